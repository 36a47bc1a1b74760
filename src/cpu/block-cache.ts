/**
 * Decoded-block cache, keyed by (physical address, code size).
 *
 * A block is a run of decoded instructions ending at an unconditional
 * control transfer, a system instruction, a page boundary or
 * MAX_BLOCK_INSNS. Conditional branches (Jcc, LOOP, JCXZ) do not end a
 * block: when taken they leave it (Brk.TAKEN), otherwise execution falls
 * through to the next instruction of the same block. Blocks
 * are found through a direct-mapped front table (one compare on a hit) backed
 * by a Map. Every block is registered on the physical pages its bytes come
 * from; a store to such a page (the CPU's own, or a host write reported by
 * GuestMemory.onHostWrite) invalidates all blocks of the page.
 *
 * Hot blocks are compiled (block-compiler.ts) into Block.compiled: the run
 * loop calls it instead of interpreting `insns`, with the same contract
 * (execute the block, leave RIP after it, throw FAULT/EXIT precisely). A
 * translating compiler replaces block-compiler.ts without touching the loop.
 */
import type { Cpu } from './cpu.js';
import type { Insn } from './decoder/insn.js';
import type { CpuState } from './state.js';

/** A compiled block: runs the whole block, returns the number of instructions retired (see block-compiler.ts). */
export type CompiledBlock = (c: Cpu, s: CpuState) => number;

export const MAX_BLOCK_INSNS = 64;

/** Why a handler wants the run loop to leave the current block (Cpu.brk). */
export const Brk = { NONE: 0, TAKEN: 1, STOP: 2 } as const;

export class Block {
  /** Set to false when the code it was decoded from is written. */
  valid = true;
  /** Times the block ran interpreted (to pick blocks worth compiling). */
  runs = 0;
  /**
   * Direct chaining: the blocks that followed this one last time, with the
   * RIP they started at. Valid only while Cpu.chainGen equals `chainGen`
   * (any TLB flush, mode or CPL change bumps it), and while the target is valid.
   */
  chainGen = -1;
  nextRip0 = NaN;
  next0: Block | null = null;
  nextRip1 = NaN;
  next1: Block | null = null;
  /** The compiled version of the block, once it is hot (block-compiler.ts). */
  compiled: CompiledBlock | null = null;
  constructor(
    readonly key: number,
    readonly insns: Insn[],
    /** Physical pages the bytes came from (one, or two when an instruction straddles a page). */
    readonly pages: readonly number[],
  ) {}
}

const FRONT_BITS = 13;
const FRONT_MASK = (1 << FRONT_BITS) - 1;

export function blockKey(phys: number, codeSize: number): number {
  return phys * 4 + codeSize;
}

export class BlockCache {
  private readonly front: (Block | null)[] = new Array<Block | null>(1 << FRONT_BITS).fill(null);
  private readonly map = new Map<number, Block>();
  private readonly byPage = new Map<number, Block[]>();
  /** Blocks decoded since creation (statistics). */
  decoded = 0;
  invalidated = 0;

  lookup(key: number): Block | null {
    const slot = (key ^ (key >>> FRONT_BITS)) & FRONT_MASK;
    const b = this.front[slot]!;
    if (b !== null && b.key === key) return b;
    const m = this.map.get(key);
    if (m === undefined) return null;
    this.front[slot] = m;
    return m;
  }

  insert(b: Block): void {
    this.decoded++;
    this.map.set(b.key, b);
    this.front[(b.key ^ (b.key >>> FRONT_BITS)) & FRONT_MASK] = b;
    for (const p of b.pages) {
      let list = this.byPage.get(p);
      if (list === undefined) { list = []; this.byPage.set(p, list); }
      list.push(b);
    }
  }

  /** Drop every block built from physical page `page`. Returns true if there were any. */
  invalidatePage(page: number): boolean {
    const list = this.byPage.get(page);
    if (list === undefined) return false;
    this.byPage.delete(page);
    for (const b of list) {
      if (!b.valid) continue;
      b.valid = false;
      this.invalidated++;
      if (this.map.get(b.key) === b) this.map.delete(b.key);
      const slot = (b.key ^ (b.key >>> FRONT_BITS)) & FRONT_MASK;
      if (this.front[slot] === b) this.front[slot] = null;
    }
    return true;
  }

  clear(): void {
    this.front.fill(null);
    for (const b of this.map.values()) b.valid = false;
    this.map.clear();
    this.byPage.clear();
  }
}
