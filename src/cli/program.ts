/**
 * The xenner command line. Conventions follow xl and QEMU: `run` boots a
 * kernel (like `xl create` with a kernel= line, or `qemu -kernel`), `info`
 * shows what the loader sees. User errors print one line and exit 2.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT_STATUS_HELP, ExitStatus } from './exit-status.js';
import { UserError } from './user-error.js';
import { logLevel, memoryMiB, positiveInt } from './options.js';
import { infoCommand } from './commands/info.js';
import { runCommand, type RunOptions } from './commands/run.js';
import { MACHINE_NAMES } from '../machine/machine.js';

function version(): string {
  return '0.1.0';
}

export function buildProgram(setStatus: (s: number) => void): Command {
  const program = new Command()
    .name('xenner')
    .description('Run Xen PV kernels and PV-on-HVM guests without Xen.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .addHelpText('after', `\n${EXIT_STATUS_HELP}`)
    // Before the subcommands are added, so they inherit both.
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(`xenner: ${str.replace(/^error: /, '').trimEnd()}\n`),
    });

  program
    .command('run')
    .description('boot a kernel: Xen PV ELF or bzImage, multiboot, or PVH (the kind is detected)')
    .argument('<kernel>', 'kernel image')
    .addOption(new Option('-m, --memory <MiB>', 'guest memory in MiB (or 512M, 2G)').argParser(memoryMiB).default(256))
    .option('--cmdline <string>', 'kernel command line', '')
    .option('--initrd <file>', 'initial ramdisk (multiboot: first module)')
    .addOption(new Option('--vcpus <n>', 'number of virtual CPUs').argParser(positiveInt('vcpus', 64)).default(1))
    .addOption(new Option('--machine <name>', 'override the detected machine').choices([...MACHINE_NAMES]))
    .addOption(new Option('--cpu <profile>', 'CPU profile the guest sees').choices(['intel', 'amd']).default('intel'))
    .addOption(new Option('--max-instructions <n>', 'stop the guest after n instructions (exit 10)').argParser(positiveInt('max-instructions')))
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').argParser(logLevel).default('warn'))
    .option('--log-file <file>', 'write the log (JSON lines) to a file instead of stderr')
    .option('--dump-xenstore', 'PV guests: print the xenstore tree (xenstore-ls style) to stderr when the guest ends')
    .addHelpText('after', `\n${EXIT_STATUS_HELP}`)
    .action(async (kernel: string, opts: RunOptions) => {
      setStatus(await runCommand(kernel, opts));
    });

  program
    .command('info')
    .description('show what the loader sees in a kernel image')
    .argument('<kernel>', 'kernel image')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-m, --memory <MiB>', 'plan the PV start of day for this much guest memory').argParser(memoryMiB).default(256))
    .option('--initrd <file>', 'plan with this initial ramdisk')
    .action(async (kernel: string, opts: { json?: boolean; memory: number; initrd?: string }) => {
      setStatus(await infoCommand(kernel, opts));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let status: number = ExitStatus.Poweroff;
  const program = buildProgram((s) => {
    status = s;
  });
  try {
    await program.parseAsync(argv);
    return status;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return e.exitCode === 0 ? 0 : ExitStatus.UsageError;
    }
    if (e instanceof UserError) {
      process.stderr.write(`xenner: ${e.message}\n`);
      return ExitStatus.UsageError;
    }
    const err = e as Error;
    process.stderr.write(`xenner: internal error: ${err.message}\n${err.stack ?? ''}\n`);
    return ExitStatus.InternalError;
  }
}

