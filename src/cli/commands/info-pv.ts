/**
 * The Xen part of `xenner info`: a PV kernel's decoded notes and the start
 * of day the builder would lay out for it (every region's frames and
 * virtual addresses), without building anything.
 */
import { FLAT_KERNEL_SELECTORS } from '../../abi/xen/arch-x86.js';
import { planLayout, startOfDayAddresses, type LayoutRequest } from '../../host/builder/layout.js';
import type { PvKernel } from '../../host/loader/pv-kernel.js';
import { featureName } from '../../host/loader/xen-notes.js';

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export interface PvPlanReport {
  arch: string;
  container: string;
  notesSource: string;
  notes: { name: string; value: string }[];
  features: { supported: string[]; required: string[] };
  memoryMiB: number;
  nrPages: number;
  virtBase: string;
  entry: string;
  hypercallPage?: string;
  regions: { name: string; pfn: number; pages: number; start?: string; end?: string }[];
  mappedEnd: string;
  pageTableFrames: number;
  startInfo: string;
  stackTop: string;
  m2p: string;
  vcpu: { rip: string; rsp: string; rsi: string; cs: string; ds: string; ss: string };
}

export function pvPlanReport(kernel: PvKernel, req: LayoutRequest): PvPlanReport {
  const lay = planLayout(kernel, req);
  const a = startOfDayAddresses(kernel, lay);
  const sel = FLAT_KERNEL_SELECTORS[kernel.arch];
  const c = kernel.container;
  return {
    arch: kernel.arch === 'x86_64' ? 'x86_64' : 'x86_32 (PAE)',
    container: c.kind === 'elf' ? 'ELF' : c.kind === 'compressed-elf' ? `${c.compression}-compressed ELF` : `bzImage (boot protocol ${c.protocol >> 8}.${(c.protocol & 0xff).toString().padStart(2, '0')}, ${c.compression} payload)`,
    notesSource: kernel.info.source === 'notes' ? 'ELF notes' : 'legacy __xen_guest section',
    notes: kernel.info.entries.map((e) => ({ name: e.name, value: e.value })),
    features: {
      supported: [...kernel.info.featuresSupported].sort((x, y) => x - y).map(featureName),
      required: [...kernel.info.featuresRequired].sort((x, y) => x - y).map(featureName),
    },
    memoryMiB: req.memoryMiB,
    nrPages: lay.nrPages,
    virtBase: hex(kernel.virtBase),
    entry: hex(kernel.entry),
    ...(kernel.hypercallPage !== undefined ? { hypercallPage: hex(kernel.hypercallPage) } : {}),
    regions: lay.regions.map((r) => ({
      name: r.name,
      pfn: r.pfn,
      pages: r.pages,
      ...(r.vstart !== undefined ? { start: hex(r.vstart), end: hex(r.vstart + BigInt(r.mappedPages ?? r.pages) * 4096n) } : {}),
    })),
    mappedEnd: hex(lay.mappedEnd),
    pageTableFrames: lay.pageTableFrames.length,
    startInfo: hex(a.startInfo),
    stackTop: hex(a.stackTop),
    m2p: hex(a.m2p),
    vcpu: { rip: hex(kernel.entry), rsp: hex(a.stackTop), rsi: hex(a.startInfo), cs: hex(sel.cs), ds: hex(sel.ds), ss: hex(sel.ss) },
  };
}

export function formatPvPlan(x: PvPlanReport): string[] {
  const lines = [`xen:     ${x.arch} PV kernel, ${x.container}; notes from ${x.notesSource}`, 'xen notes:'];
  const w = Math.max(...x.notes.map((n) => n.name.length), 4);
  for (const n of x.notes) lines.push(`  ${n.name.padEnd(w)}  ${n.value}`);
  lines.push(`features: supported ${x.features.supported.join(', ') || '-'}; required ${x.features.required.join(', ') || '-'}`);
  lines.push(`start of day (${x.memoryMiB} MiB = ${x.nrPages} pages; VIRT_BASE ${x.virtBase}):`);
  for (const r of x.regions) {
    const frames = `pfn ${hex(r.pfn).padStart(8)}-${hex(r.pfn + r.pages - 1).padEnd(8)}`;
    const va = r.start !== undefined ? `${r.start.padStart(18)}-${r.end!.padEnd(18)}` : 'unmapped'.padEnd(37);
    lines.push(`  ${r.name.padEnd(12)} ${va} ${frames} (${r.pages} pages)`);
  }
  lines.push(`  initial mapping ends at ${x.mappedEnd}; ${x.pageTableFrames} page-table frames`);
  lines.push(`  M2P (read-only) at ${x.m2p}`);
  if (x.hypercallPage !== undefined) lines.push(`  hypercall page at ${x.hypercallPage}`);
  lines.push(`vcpu0:   rip ${x.vcpu.rip} rsp ${x.vcpu.rsp} rsi ${x.vcpu.rsi} (start_info) cs ${x.vcpu.cs} ds ${x.vcpu.ds} ss ${x.vcpu.ss}`);
  return lines;
}
