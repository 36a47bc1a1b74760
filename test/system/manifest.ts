/**
 * The bare-machine test kernels (guests/system) and what each must produce.
 * Both runners read this one table: test/system/qemu.test.ts boots every
 * kernel under QEMU (proving the test itself right) and
 * test/system/xenner.test.ts boots it under `xenner run` on our CPU.
 *
 * Every kernel prints on the 0xe9 debug console and on COM1, ends with the
 * result line and writes its result to the debug-exit port 0xf4: 0 for
 * success (exit status 1), 1 for failure (exit status 3).
 */
import { join } from 'node:path';
import { repoRoot } from '../../tools/repo-root.js';

export const SUCCESS_LINE = 'Test result: SUCCESS';
/** (0 << 1) | 1 and (1 << 1) | 1: what RESULT_SUCCESS / RESULT_FAILURE become. */
export const STATUS_SUCCESS = 1;
export const STATUS_FAILURE = 3;

export interface SystemKernel {
  name: string;
  /** Path from the repository root. */
  file: string;
  machine: 'multiboot' | 'pvh';
  /** What the kernel checks, for the test's title. */
  checks: string;
  cmdline?: string;
  /** Bytes on the serial line's input (stdin). */
  input?: string;
  /** The line the kernel must print (on both consoles). */
  resultLine: string;
  status: number;
  /**
   * Set when the kernel is known to fail under xenner (our CPU lacks what it
   * checks): the reason, naming the missing feature. xenner.test.ts then
   * expects the failure (it.fails), so the run stays visible and the mark
   * must go as soon as the kernel passes.
   */
  xennerKnownFailure?: string;
}

const kernel = (name: string, checks: string, extra: Partial<SystemKernel> = {}): SystemKernel => ({
  name,
  file: `guests/system/${name}.bin`,
  machine: 'multiboot',
  checks,
  resultLine: SUCCESS_LINE,
  status: STATUS_SUCCESS,
  ...extra,
});

export const SYSTEM_KERNELS: readonly SystemKernel[] = [
  kernel('hello', 'multiboot handover: magic, info structure, memory map, initial CPU state', { cmdline: 'hello-arg' }),
  kernel('hello-fail', 'a forced failure reaches the result line and exit status 3', {
    cmdline: 'hello-arg',
    resultLine: 'Test result: FAILURE (a forced failure)',
    status: STATUS_FAILURE,
  }),
  kernel('modes', 'real mode, long mode, compatibility mode and back to protected mode'),
  kernel('vm86', 'virtual-8086 mode: addressing, int through the IDT, IOPL-sensitive instructions, I/O bitmap'),
  kernel('exceptions', 'fault vs trap EIPs and untouched registers: #DE #UD #BR #OF #BP #NM #MF, a faulting push'),
  kernel('pagefault', 'PAE paging: page-fault error codes (P/W/U/RSVD/I) and CR2, accessed/dirty bits'),
  kernel('pagefault32', '32-bit paging with 4 MiB pages: error codes, CR0.WP, reserved bit, accessed/dirty bits'),
  kernel('tlb', 'INVLPG, CR3 and CR4.PGE flushes, 2 MiB pages; self-modifying code, also through an alias'),
  kernel('privilege', 'segment, gate and instruction privilege checks with their error codes; lar/lsl/verr/verw'),
  kernel('gates', 'call gate with stack switch, interrupt vs trap gate, #DF through a task gate'),
  kernel('lminterrupts', '64-bit interrupts: stack switch, IST, frame alignment, 4-level page faults'),
  kernel('fastcall', 'sysenter/sysexit and syscall/sysret round trips'),
  kernel('singlestep', 'single stepping with TF, DR6.BS, the mov ss shadow'),
  kernel('debugregs', 'hardware breakpoints: instruction (fault, RF), data write and read/write (traps)'),
  kernel('seglimits', 'segment limits and types on data accesses: expand-up/down, B bit, read-only, execute-only, null DS, the stack (#SS) from ring 3, string ops, the CS limit, FS/GS nulled by iretd'),
  kernel('iobitmap', 'the TSS I/O permission bitmap, its limit, and IOPL'),
  kernel('uart', 'the 16550A registers, loopback, THR-empty interrupt identification, and a line of input', { input: '\n\nping\n' }),
  kernel('pvh', 'PVH entry and hvm_start_info', { file: 'guests/system/pvh.elf', machine: 'pvh', cmdline: 'pvh-cmdline test' }),
];

export function kernelPath(k: SystemKernel): string {
  return join(repoRoot(), k.file);
}

/**
 * A console transcript as both runners must print it: the same lines under
 * QEMU and under xenner, except the notes a kernel prints only when it
 * detects QEMU's TCG (where QEMU is known to deviate from the SDM).
 */
export function comparableTranscript(text: string): string[] {
  return text.split('\n').filter((line) => !/^note: on QEMU/.test(line));
}
