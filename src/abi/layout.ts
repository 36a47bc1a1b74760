/**
 * One definition of every binary structure that crosses between xenner, emu,
 * the hypercall pages and the guest. A structure is declared once here and
 * laid out for each guest architecture by the C rules Xen's public headers
 * rely on (natural alignment; on x86_32 a 64-bit field is 4-aligned inside a
 * struct, as in the i386 System V ABI). The NASM include files that emu,
 * the hypercall pages and the test guests use are generated from these
 * declarations (tools/gen-nasm-abi.ts); a test fails when they are stale.
 */

export type GuestArch = 'x86_64' | 'x86_32';
export const GUEST_ARCHES: readonly GuestArch[] = ['x86_64', 'x86_32'];

/**
 * Scalar C types. `ulong` is the guest's `unsigned long` (and xen_pfn_t,
 * xen_ulong_t on x86): 8 bytes on x86_64, 4 on x86_32.
 */
export type Scalar = 'u8' | 'u16' | 'u32' | 'u64' | 'ulong';

export interface FieldDecl {
  readonly name: string;
  readonly type: Scalar | StructDecl;
  /** Array length; 1 when absent. Per architecture where the C header sizes it by the word size. */
  readonly count?: number | Readonly<Record<GuestArch, number>>;
  /**
   * The field exists only in this architecture's layout (C headers that
   * `#ifdef __i386__` a member, e.g. shared_info.wc_sec_hi).
   */
  readonly arch?: GuestArch;
  /**
   * The C member expression in Xen's headers when it differs from `name`
   * (e.g. a union member: start_info's `console` is `console.domU`). Used
   * by the test that checks our layouts against the real headers.
   */
  readonly cPath?: string;
}

export interface StructDecl {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: readonly FieldDecl[];
  /** Lay the fields out as a C union (all at offset 0). */
  readonly union?: boolean;
  /** The C type in Xen's headers (`struct start_info`); absent for nested anonymous ones. */
  readonly cType?: string;
}

export function struct(name: string, fields: readonly FieldDecl[], cType?: string): StructDecl {
  return { kind: 'struct', name, fields, ...(cType !== undefined ? { cType } : {}) };
}
export function union(name: string, fields: readonly FieldDecl[], cType?: string): StructDecl {
  return { kind: 'struct', name, fields, union: true, ...(cType !== undefined ? { cType } : {}) };
}

export interface FieldLayout {
  readonly name: string;
  readonly offset: number;
  /** Size of one element. */
  readonly size: number;
  readonly count: number;
  /** Set for nested structures. */
  readonly layout?: StructLayout;
}

export interface StructLayout {
  readonly name: string;
  readonly arch: GuestArch;
  readonly size: number;
  readonly align: number;
  readonly fields: ReadonlyMap<string, FieldLayout>;
  /** Offset of a (possibly dotted: "console.mfn") field; throws if unknown. */
  offset(path: string): number;
}

function scalarSize(t: Scalar, arch: GuestArch): number {
  switch (t) {
    case 'u8': return 1;
    case 'u16': return 2;
    case 'u32': return 4;
    case 'u64': return 8;
    case 'ulong': return arch === 'x86_64' ? 8 : 4;
  }
}

function scalarAlign(t: Scalar, arch: GuestArch): number {
  const size = scalarSize(t, arch);
  return arch === 'x86_32' ? Math.min(size, 4) : size;
}

/** A field's array length in one architecture. */
export function fieldCount(f: FieldDecl, arch: GuestArch): number {
  if (f.count === undefined) return 1;
  return typeof f.count === 'number' ? f.count : f.count[arch];
}

const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;

export function layout(decl: StructDecl, arch: GuestArch): StructLayout {
  const fields = new Map<string, FieldLayout>();
  let cursor = 0;
  let size = 0;
  let maxAlign = 1;
  for (const f of decl.fields) {
    if (f.arch !== undefined && f.arch !== arch) continue;
    const count = fieldCount(f, arch);
    if (!Number.isInteger(count) || count < 0) throw new Error(`${decl.name}.${f.name}: bad count ${count}`);
    let elemSize: number;
    let align: number;
    let nested: StructLayout | undefined;
    if (typeof f.type === 'string') {
      elemSize = scalarSize(f.type, arch);
      align = scalarAlign(f.type, arch);
    } else {
      nested = layout(f.type, arch);
      elemSize = nested.size;
      align = nested.align;
    }
    if (fields.has(f.name)) throw new Error(`${decl.name}: duplicate field ${f.name}`);
    const offset = decl.union ? 0 : alignUp(cursor, align);
    fields.set(f.name, { name: f.name, offset, size: elemSize, count, ...(nested ? { layout: nested } : {}) });
    cursor = offset + elemSize * count;
    size = Math.max(size, cursor);
    maxAlign = Math.max(maxAlign, align);
  }
  const total = alignUp(size, maxAlign);
  return {
    name: decl.name,
    arch,
    size: total,
    align: maxAlign,
    fields,
    offset(path: string): number {
      let l: StructLayout | undefined = this;
      let off = 0;
      for (const part of path.split('.')) {
        const f: FieldLayout | undefined = l?.fields.get(part);
        if (f === undefined) throw new Error(`${decl.name} (${arch}) has no field ${path}`);
        off += f.offset;
        l = f.layout;
      }
      return off;
    },
  };
}

/** A named group of integer constants (hypercall numbers, flags, ...). */
export interface ConstGroup {
  readonly prefix: string;
  readonly values: Readonly<Record<string, number | bigint>>;
  /** Values that differ per architecture. */
  readonly perArch?: Readonly<Record<GuestArch, Readonly<Record<string, number | bigint>>>>;
  /**
   * The Xen public header that defines these as C macros (or enum
   * constants) named prefix+name, e.g. "xen/sched.h"; the ABI test checks
   * every value against it. Absent for xenner's own ABIs.
   */
  readonly cHeader?: string;
}

export function constants(prefix: string, values: Record<string, number | bigint>, cHeader?: string): ConstGroup {
  return { prefix, values, ...(cHeader !== undefined ? { cHeader } : {}) };
}

/** One generated NASM include file: its name and what goes into it. */
export interface NasmUnit {
  /** File name under src/abi/nasm/<arch>/ */
  readonly file: string;
  readonly title: string;
  readonly structs: readonly StructDecl[];
  readonly consts: readonly ConstGroup[];
}

const hex = (v: number | bigint): string => (typeof v === 'bigint' || v > 9 || v < 0 ? `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}` : `${v}`);

/** Nested fields get offsets from the start of the outermost structure. */
function renderStruct(out: string[], l: StructLayout, prefix: string, base = 0): void {
  for (const f of l.fields.values()) {
    out.push(`%define ${prefix}_${f.name} ${base + f.offset}`);
    if (f.layout) renderStruct(out, f.layout, `${prefix}_${f.name}`, base + f.offset);
  }
  out.push(`%define ${prefix}_size ${l.size}`);
}

/** The text of one generated include for one architecture. */
export function renderNasm(unit: NasmUnit, arch: GuestArch): string {
  const out: string[] = [
    `; ${unit.title} (${arch})`,
    '; GENERATED by tools/gen-nasm-abi.ts from src/abi: do not edit; run `npm run gen:abi`.',
    '',
  ];
  for (const g of unit.consts) {
    const values = { ...g.values, ...(g.perArch?.[arch] ?? {}) };
    for (const [name, v] of Object.entries(values)) out.push(`%define ${g.prefix}${name} ${hex(v)}`);
    out.push('');
  }
  for (const s of unit.structs) {
    renderStruct(out, layout(s, arch), s.name);
    out.push('');
  }
  return out.join('\n');
}
