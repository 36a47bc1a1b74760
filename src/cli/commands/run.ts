import { ExitStatus } from '../exit-status.js';
import type { LevelWithSilent } from 'pino';
import { readImageFile } from '../read-image.js';
import { UserError } from '../user-error.js';
import { stdinConsole } from '../stdin-console.js';
import { detectImage } from '../../host/loader/detect.js';
import { createLogger } from '../../log/logger.js';
import { defaultMachine, MACHINE_NAMES, type MachineName } from '../../machine/machine.js';
import { MACHINES } from '../../machine/machines.js';

export interface RunOptions {
  memory: number;
  cmdline: string;
  initrd?: string;
  vcpus: number;
  machine?: string;
  cpu: string;
  maxInstructions?: number;
  logLevel: LevelWithSilent;
  logFile?: string;
  dumpXenstore?: boolean;
}

export async function runCommand(file: string, opts: RunOptions): Promise<number> {
  const image = await readImageFile(file);
  const initrd = opts.initrd === undefined ? undefined : { file: opts.initrd, bytes: await readImageFile(opts.initrd) };
  const detected = detectImage(image, file);
  let name: MachineName | undefined;
  if (opts.machine !== undefined) {
    if (!(MACHINE_NAMES as readonly string[]).includes(opts.machine)) {
      throw new UserError(`unknown machine '${opts.machine}' (one of: ${MACHINE_NAMES.join(', ')})`);
    }
    name = opts.machine as MachineName;
  } else {
    name = defaultMachine(detected.kind);
    if (name === undefined) throw new UserError(`${file}: not a kernel image xenner knows (Xen PV ELF, bzImage, multiboot or PVH)`);
  }
  if (opts.cpu !== 'intel' && opts.cpu !== 'amd') throw new UserError(`unknown CPU profile '${opts.cpu}' (intel or amd)`);
  const launch = MACHINES[name];
  if (launch === undefined) throw new UserError(`${file}: the ${name} machine cannot boot guests yet in this version of xenner`);

  const logger = createLogger({ level: opts.logLevel, ...(opts.logFile !== undefined ? { file: opts.logFile } : {}) });
  logger.info({ file, kind: detected.kind, machine: name, memoryMiB: opts.memory }, 'starting guest');
  const result = await launch({
    file,
    image,
    kind: detected.kind,
    memoryMiB: opts.memory,
    cmdline: opts.cmdline,
    ...(initrd ? { initrd } : {}),
    vcpus: opts.vcpus,
    ...(opts.maxInstructions !== undefined ? { maxInstructions: opts.maxInstructions } : {}),
    cpuProfile: opts.cpu,
    ...(opts.dumpXenstore === true ? { dumpXenstore: true } : {}),
    logger,
    consoleOut: (bytes) => {
      process.stdout.write(bytes);
    },
    // The 0xe9 debug console goes to stderr, so stdout carries the console alone.
    debugOut: (bytes) => {
      process.stderr.write(bytes);
    },
    consoleIn: stdinConsole(),
  });
  // An end the guest did not ask for (a hang, a triple fault, a CPU gap) is shown at the default log level.
  const ended = { status: result.status, reason: result.reason };
  if (result.status === ExitStatus.InternalError) logger.error(ended, 'guest ended');
  else if (result.status === ExitStatus.TripleFault || result.status === ExitStatus.BudgetExhausted) logger.warn(ended, 'guest ended');
  else logger.info(ended, 'guest ended');
  return result.status;
}
