/**
 * Xenstore node permissions: a list whose first entry names the owner (who
 * may do anything) and the access everyone else gets by default; later
 * entries grant a specific domain its own access. Domain 0 (the host) may
 * do anything. On the wire each entry is a letter and a domid: "r1", "n0".
 */
export const PermBits = { NONE: 0, READ: 1, WRITE: 2, BOTH: 3 } as const;
export type PermBits = (typeof PermBits)[keyof typeof PermBits];

export interface Perm {
  readonly id: number;
  readonly perm: PermBits;
}

const LETTER: Record<PermBits, string> = { 0: 'n', 1: 'r', 2: 'w', 3: 'b' };
const FROM_LETTER: Record<string, PermBits> = { n: 0, r: 1, w: 2, b: 3 };

export function formatPerm(p: Perm): string {
  return `${LETTER[p.perm]}${p.id}`;
}

/** One wire entry ("r5"), or undefined when malformed. */
export function parsePerm(s: string): Perm | undefined {
  const m = /^([nrwb])(\d{1,5})$/.exec(s);
  if (m === null) return undefined;
  const id = Number(m[2]);
  if (id > 0xffff) return undefined;
  return { id, perm: FROM_LETTER[m[1]!]! };
}

/** What `domid` may do to a node with these permissions. */
export function accessOf(perms: readonly Perm[], domid: number): PermBits {
  if (domid === 0) return PermBits.BOTH;
  const owner = perms[0];
  if (owner === undefined) return PermBits.NONE;
  if (owner.id === domid) return PermBits.BOTH;
  for (let i = 1; i < perms.length; i++) if (perms[i]!.id === domid) return perms[i]!.perm;
  return owner.perm;
}

export function canRead(perms: readonly Perm[], domid: number): boolean {
  return (accessOf(perms, domid) & PermBits.READ) !== 0;
}
export function canWrite(perms: readonly Perm[], domid: number): boolean {
  return (accessOf(perms, domid) & PermBits.WRITE) !== 0;
}
