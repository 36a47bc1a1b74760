/**
 * The Xen guest information of a PV kernel: the "Xen" ELF notes
 * (elfnote.h), or, for kernels older than notes, the `__xen_guest` section
 * string "KEY=VALUE,...". Decoded into one structure; nothing here decides
 * the layout (see pv-kernel.ts).
 */
import { BadImageError } from '../../cli/user-error.js';
import { XEN_GUEST_SECTION, XEN_NOTE_NAME, XenElfNote, XenFeature, type XenFeatureName } from '../../abi/xen/elfnote.js';
import type { ElfImage, ElfNote } from './elf.js';

export type PaeMode = 'no' | 'yes' | 'extended-cr3' | 'bimodal';

/** One note as `xenner info` shows it. */
export interface XenNoteEntry {
  type: number;
  name: string;
  value: string;
}

export interface XenGuestInfo {
  /** Where the information came from: ELF notes, or the legacy section string. */
  source: 'notes' | typeof XEN_GUEST_SECTION;
  entries: XenNoteEntry[];
  guestOs?: string;
  guestVersion?: string;
  xenVersion?: string;
  loader?: string;
  paeMode?: PaeMode;
  virtBase?: bigint;
  paddrOffset?: bigint;
  entry?: bigint;
  /** Virtual address of the hypercall page (the legacy string's page number is resolved). */
  hypercallPage?: bigint;
  hvStartLow?: bigint;
  initP2m?: bigint;
  modStartPfn?: bigint;
  suspendCancel?: bigint;
  phys32Entry?: bigint;
  /** L1_MFN_VALID: (mask, value) pairs. */
  l1MfnValid?: bigint[];
  bsdSymtab: boolean;
  /** Feature bits the kernel supports (FEATURES names and SUPPORTED_FEATURES bits). */
  featuresSupported: Set<number>;
  /** Feature bits it requires ("!name" in FEATURES). */
  featuresRequired: Set<number>;
}

const NOTE_NAMES = new Map<number, string>(Object.entries(XenElfNote).map(([k, v]) => [v, k]));
const FEATURE_BY_NAME = new Map<string, number>(Object.entries(XenFeature));

export function featureName(bit: number): string {
  return (Object.entries(XenFeature) as [XenFeatureName, number][]).find(([, v]) => v === bit)?.[0] ?? `feature${bit}`;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

type Bad = (detail: string) => never;

function noteString(n: ElfNote, bad: Bad): string {
  let end = n.desc.indexOf(0);
  if (end < 0 && n.truncated) bad(`Xen note ${NOTE_NAMES.get(n.type) ?? n.type} is cut off by the end of its note segment`);
  if (end < 0) end = n.desc.length;
  return Buffer.from(n.desc.subarray(0, end)).toString('latin1');
}

function noteNumber(n: ElfNote, bad: Bad): bigint {
  if (n.truncated) bad(`Xen note ${NOTE_NAMES.get(n.type) ?? n.type} is cut off by the end of its note segment`);
  const d = n.desc;
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  switch (d.length) {
    case 1: return BigInt(d[0]!);
    case 2: return BigInt(dv.getUint16(0, true));
    case 4: return BigInt(dv.getUint32(0, true));
    case 8: return dv.getBigUint64(0, true);
    default: return bad(`Xen note ${NOTE_NAMES.get(n.type) ?? n.type} has a ${d.length}-byte number`);
  }
}

function parsePaeMode(s: string): PaeMode {
  // A note's "yes" has always meant extended-cr3 support (libelf does the same).
  if (s.includes('bimodal')) return 'bimodal';
  if (s.startsWith('yes')) return s === 'yes[extended-cr3]' || s === 'yes' ? 'extended-cr3' : 'yes';
  return 'no';
}

/** "a|!b|c": names, '!' marking the required ones. Unknown required features are errors. */
function parseFeatures(s: string, info: XenGuestInfo, bad: Bad): void {
  for (const raw of s.split('|')) {
    if (raw === '') continue;
    const required = raw.startsWith('!');
    const name = required ? raw.slice(1) : raw;
    const bit = FEATURE_BY_NAME.get(name);
    if (bit === undefined) {
      if (required) bad(`kernel requires unknown Xen feature '${name}'`);
      continue;
    }
    info.featuresSupported.add(bit);
    if (required) info.featuresRequired.add(bit);
  }
}

/** Keep the first value of a field; a second, different value is a contradiction. */
function setOnce<K extends keyof XenGuestInfo>(info: XenGuestInfo, key: K, value: XenGuestInfo[K], what: string, bad: Bad): void {
  const old = info[key];
  if (old !== undefined && old !== value) bad(`Xen notes contradict each other: ${what} is both ${String(old)} and ${String(value)}`);
  info[key] = value;
}

function fromNotes(notes: ElfNote[], bad: Bad): XenGuestInfo {
  const info: XenGuestInfo = { source: 'notes', entries: [], bsdSymtab: false, featuresSupported: new Set(), featuresRequired: new Set() };
  for (const n of notes) {
    const name = NOTE_NAMES.get(n.type) ?? `type ${n.type}`;
    let value: string;
    const num = (key: keyof XenGuestInfo): void => {
      const v = noteNumber(n, bad);
      setOnce(info, key, v as never, name, bad);
      value = hex(v);
    };
    const str = (key: keyof XenGuestInfo): void => {
      const v = noteString(n, bad);
      setOnce(info, key, v as never, name, bad);
      value = JSON.stringify(v);
    };
    value = `${n.desc.length} bytes`;
    switch (n.type) {
      case XenElfNote.INFO:
        value = JSON.stringify(noteString(n, bad));
        break;
      case XenElfNote.GUEST_OS: str('guestOs'); break;
      case XenElfNote.GUEST_VERSION: str('guestVersion'); break;
      case XenElfNote.XEN_VERSION: str('xenVersion'); break;
      case XenElfNote.LOADER: str('loader'); break;
      case XenElfNote.PAE_MODE: {
        const s = noteString(n, bad);
        setOnce(info, 'paeMode', parsePaeMode(s), name, bad);
        value = JSON.stringify(s);
        break;
      }
      case XenElfNote.FEATURES: {
        const s = noteString(n, bad);
        parseFeatures(s, info, bad);
        value = JSON.stringify(s);
        break;
      }
      case XenElfNote.BSD_SYMTAB:
        info.bsdSymtab = noteString(n, bad) === 'yes';
        value = JSON.stringify(noteString(n, bad));
        break;
      case XenElfNote.ENTRY: num('entry'); break;
      case XenElfNote.HYPERCALL_PAGE: num('hypercallPage'); break;
      case XenElfNote.VIRT_BASE: num('virtBase'); break;
      case XenElfNote.PADDR_OFFSET: num('paddrOffset'); break;
      case XenElfNote.HV_START_LOW: num('hvStartLow'); break;
      case XenElfNote.INIT_P2M: num('initP2m'); break;
      case XenElfNote.MOD_START_PFN: num('modStartPfn'); break;
      case XenElfNote.SUSPEND_CANCEL: num('suspendCancel'); break;
      case XenElfNote.PHYS32_ENTRY: num('phys32Entry'); break;
      case XenElfNote.SUPPORTED_FEATURES: {
        const bits = Number(noteNumber(n, bad) & 0xffffffffn);
        for (let i = 0; i < 32; i++) if (bits & (1 << i)) info.featuresSupported.add(i);
        value = `0x${bits.toString(16)} (${[...Array(32).keys()].filter((i) => bits & (1 << i)).map(featureName).join(', ')})`;
        break;
      }
      case XenElfNote.L1_MFN_VALID: {
        const d = n.desc;
        const word = d.length % 8 === 0 ? 8 : 4;
        if (d.length === 0 || d.length % word !== 0) bad(`Xen note L1_MFN_VALID has ${d.length} bytes`);
        const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
        const vals: bigint[] = [];
        for (let o = 0; o < d.length; o += word) vals.push(word === 8 ? dv.getBigUint64(o, true) : BigInt(dv.getUint32(o, true)));
        info.l1MfnValid = vals;
        value = vals.map(hex).join(', ');
        break;
      }
    }
    info.entries.push({ type: n.type, name, value });
  }
  return info;
}

/** The legacy "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,..." string. */
export function parseGuestString(s: string, bad: Bad): XenGuestInfo {
  const info: XenGuestInfo = { source: XEN_GUEST_SECTION, entries: [], bsdSymtab: false, featuresSupported: new Set(), featuresRequired: new Set() };
  let hypercallPageIndex: bigint | undefined;
  const number = (key: string, v: string): bigint => {
    const t = v.trim();
    if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) bad(`${XEN_GUEST_SECTION}: ${key}=${v} is not a number`);
    return BigInt(t);
  };
  for (const item of s.split(',')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    info.entries.push({ type: -1, name: key, value });
    switch (key) {
      case 'GUEST_OS': info.guestOs = value; break;
      case 'GUEST_VER': info.guestVersion = value; break;
      case 'XEN_VER': info.xenVersion = value; break;
      case 'LOADER': info.loader = value; break;
      case 'PAE': info.paeMode = value === 'yes[extended-cr3]' ? 'extended-cr3' : value.startsWith('yes') ? 'yes' : value === 'bimodal' ? 'bimodal' : 'no'; break;
      case 'BSD_SYMTAB': info.bsdSymtab = true; break;
      case 'VIRT_BASE': info.virtBase = number(key, value); break;
      case 'VIRT_ENTRY': info.entry = number(key, value); break;
      case 'ELF_PADDR_OFFSET': info.paddrOffset = number(key, value); break;
      case 'HYPERCALL_PAGE': hypercallPageIndex = number(key, value); break;
      case 'FEATURES': parseFeatures(value, info, bad); break;
    }
  }
  // HYPERCALL_PAGE is a page number from VIRT_BASE in the legacy string.
  if (hypercallPageIndex !== undefined) info.hypercallPage = (info.virtBase ?? 0n) + (hypercallPageIndex << 12n);
  return info;
}

/**
 * The Xen guest information of an ELF, or undefined when it has none.
 * Notes win over the legacy section, as in Xen's libelf.
 */
export function readXenGuestInfo(elf: ElfImage, file: string): XenGuestInfo | undefined {
  const bad: Bad = (d) => {
    throw new BadImageError(file, d);
  };
  const notes = elf.notes.filter((n) => n.name === XEN_NOTE_NAME && n.type !== XenElfNote.PHYS32_ENTRY);
  if (notes.length > 0) return fromNotes(elf.notes.filter((n) => n.name === XEN_NOTE_NAME), bad);
  const section = elf.sections.find((s) => s.name === XEN_GUEST_SECTION);
  if (section === undefined) return undefined;
  if (section.type === 8 /* NOBITS */) bad(`${XEN_GUEST_SECTION} section has no contents`);
  const raw = elf.bytes.subarray(section.offset, section.offset + section.size);
  let end = raw.indexOf(0);
  if (end < 0) end = raw.length;
  return parseGuestString(Buffer.from(raw.subarray(0, end)).toString('latin1'), bad);
}
