import { readImageFile } from '../read-image.js';
import { BadImageError, UserError } from '../user-error.js';
import { detectImage } from '../../host/loader/detect.js';
import { EM_386, EM_X86_64, isElf, parseElf, type ElfImage } from '../../host/loader/elf.js';
import { extractBzImage } from '../../host/loader/bzimage.js';
import { loadPvKernel } from '../../host/loader/pv-kernel.js';
import { pvPlanReport, formatPvPlan, type PvPlanReport } from './info-pv.js';

export interface InfoOptions {
  json?: boolean;
  /** Guest memory in MiB the layout is planned for (as `run --memory`). */
  memory?: number;
  /** Plan with this initrd (its size is what matters). */
  initrd?: string;
  initrdBytes?: number;
}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

function machineName(m: number): string {
  return m === EM_X86_64 ? 'x86-64' : m === EM_386 ? 'i386' : `machine ${m}`;
}

interface InfoReport {
  file: string;
  size: number;
  format: string;
  elf?: {
    class: number;
    machine: string;
    entry: string;
    segments: { type: string; offset: number; vaddr: string; paddr: string; filesz: number; memsz: number; flags: string }[];
    notes: { name: string; type: number; size: number }[];
  };
  multibootHeaderOffset?: number;
  /** The file is a compressed ELF. */
  compression?: string;
  /** Why a well-formed kernel cannot boot as a Xen PV guest. */
  notPv?: string;
  /** For Xen PV kernels (ELF or bzImage): the notes and the planned start of day. */
  xen?: PvPlanReport;
}

function segmentType(t: number): string {
  return ({ 0: 'NULL', 1: 'LOAD', 2: 'DYNAMIC', 3: 'INTERP', 4: 'NOTE', 6: 'PHDR', 7: 'TLS' } as Record<number, string>)[t] ?? hex(t);
}

function flagString(f: number): string {
  return `${f & 4 ? 'R' : '-'}${f & 2 ? 'W' : '-'}${f & 1 ? 'X' : '-'}`;
}

function elfReport(elf: ElfImage): NonNullable<InfoReport['elf']> {
  return {
    class: elf.elfClass,
    machine: machineName(elf.machine),
    entry: hex(elf.entry),
    segments: elf.programHeaders
      .filter((p) => p.type !== 0)
      .map((p) => ({
        type: segmentType(p.type),
        offset: p.offset,
        vaddr: hex(p.vaddr),
        paddr: hex(p.paddr),
        filesz: p.filesz,
        memsz: p.memsz,
        flags: flagString(p.flags),
      })),
    notes: elf.notes.map((n) => ({ name: n.name, type: n.type, size: n.desc.length })),
  };
}

export function buildInfo(file: string, bytes: Uint8Array, opts: InfoOptions = {}): InfoReport {
  const d = detectImage(bytes, file);
  let elf = d.elf;
  let xen: PvPlanReport | undefined;
  let notPv: string | undefined;
  if (d.kind === 'xen-pv' || d.kind === 'bzimage') {
    // A compressed file is decompressed again here: info is not a hot path.
    try {
      const kernel = loadPvKernel(bytes, file);
      elf = kernel.elf;
      xen = pvPlanReport(kernel, { memoryMiB: opts.memory ?? 256, ...(opts.initrdBytes !== undefined ? { initrdLength: opts.initrdBytes } : {}) });
    } catch (e) {
      // A well-formed bzImage that is not a PV kernel (Linux built for
      // 32-bit since 5.9 keeps only its PVH entry) is still described.
      const payload = d.kind === 'bzimage' && e instanceof BadImageError ? describablePayload(bytes, file) : undefined;
      if (payload === undefined) throw e;
      elf = payload;
      notPv = (e as BadImageError).message.replace(`${file}: `, '');
    }
  }
  return {
    file,
    size: bytes.length,
    format: d.kind,
    ...(elf ? { elf: elfReport(elf) } : {}),
    ...(d.multibootOffset !== undefined ? { multibootHeaderOffset: d.multibootOffset } : {}),
    ...(d.compression !== undefined ? { compression: d.compression } : {}),
    ...(xen ? { xen } : {}),
    ...(notPv !== undefined ? { notPv } : {}),
  };
}

/** The bzImage's payload ELF, when it decompresses and parses; else undefined. */
function describablePayload(bytes: Uint8Array, file: string): ElfImage | undefined {
  try {
    const bz = extractBzImage(bytes, file);
    return isElf(bz.kernel) ? parseElf(bz.kernel, `${file} (payload)`) : undefined;
  } catch {
    return undefined;
  }
}

export function formatInfo(r: InfoReport): string {
  const lines = [`file:    ${r.file} (${r.size} bytes)`, `format:  ${r.format}${r.compression !== undefined ? ` (${r.compression}-compressed ELF)` : ''}`];
  if (r.multibootHeaderOffset !== undefined) lines.push(`multiboot header at offset ${hex(r.multibootHeaderOffset)}`);
  if (r.elf) {
    lines.push(`class:   ELF${r.elf.class} ${r.elf.machine}`, `entry:   ${r.elf.entry}`, 'segments:');
    for (const s of r.elf.segments) {
      lines.push(`  ${s.type.padEnd(7)} ${s.flags} vaddr ${s.vaddr.padStart(18)} paddr ${s.paddr.padStart(18)} filesz ${hex(s.filesz).padStart(10)} memsz ${hex(s.memsz).padStart(10)}`);
    }
    if (r.elf.notes.length > 0) {
      lines.push('notes:');
      for (const n of r.elf.notes) lines.push(`  ${n.name} type ${n.type} (${n.size} bytes)`);
    }
  }
  if (r.xen) lines.push(...formatPvPlan(r.xen));
  if (r.notPv !== undefined) lines.push(`xen:     not a PV kernel: ${r.notPv}`);
  return lines.join('\n');
}

export async function infoCommand(file: string, opts: InfoOptions): Promise<number> {
  const bytes = await readImageFile(file);
  const initrdBytes = opts.initrd !== undefined ? (await readImageFile(opts.initrd)).length : opts.initrdBytes;
  const report = buildInfo(file, bytes, { ...opts, ...(initrdBytes !== undefined ? { initrdBytes } : {}) });
  if (report.format === 'unknown') throw new UserError(`${file}: not a kernel image xenner knows (Xen PV ELF, bzImage, multiboot or PVH)`);
  process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatInfo(report)) + '\n');
  return 0;
}
