/**
 * Who owns each guest-physical frame: the guest's RAM, nobody (free, for
 * the balloon to give back), or the host (emu, shared_info, grant table,
 * M2P). In xenner the guest's machine frame numbers are guest-physical frame
 * numbers, so this is also the check for every frame a guest names.
 */
import { PAGE_SIZE, type GuestMemory } from '../../memory/guest-memory.js';

export const FrameOwner = { Free: 0, Ram: 1, Host: 2 } as const;
export type FrameOwner = (typeof FrameOwner)[keyof typeof FrameOwner];

export class FrameMap {
  private readonly owner: Uint8Array;
  private ram = 0;
  /** Lowest frame that may be free: where the next allocation search starts. */
  private cursor = 0;

  constructor(private readonly mem: GuestMemory, nrRamPages: number) {
    this.owner = new Uint8Array(mem.pages);
    if (!Number.isInteger(nrRamPages) || nrRamPages < 0 || nrRamPages > mem.pages) {
      throw new RangeError(`${nrRamPages} RAM pages do not fit in ${mem.pages} frames`);
    }
    this.owner.fill(FrameOwner.Ram, 0, nrRamPages);
    this.ram = nrRamPages;
    this.cursor = nrRamPages;
  }

  get total(): number {
    return this.owner.length;
  }
  get ramPages(): number {
    return this.ram;
  }

  valid(frame: number): boolean {
    return Number.isInteger(frame) && frame >= 0 && frame < this.owner.length;
  }

  ownerOf(frame: number): FrameOwner | undefined {
    return this.valid(frame) ? (this.owner[frame] as FrameOwner) : undefined;
  }

  isRam(frame: number): boolean {
    return this.ownerOf(frame) === FrameOwner.Ram;
  }

  /** Reserve frames for the host (builder time). */
  reserve(start: number, count: number): void {
    for (let f = start; f < start + count; f++) {
      if (!this.valid(f)) throw new RangeError(`frame ${f} is outside guest memory`);
      if (this.owner[f] === FrameOwner.Ram) this.ram--;
      this.owner[f] = FrameOwner.Host;
    }
  }

  /** Give a free frame to the guest, zeroed; false if it is not free. */
  populate(frame: number): boolean {
    if (this.ownerOf(frame) !== FrameOwner.Free) return false;
    this.owner[frame] = FrameOwner.Ram;
    this.ram++;
    this.mem.fill(frame * PAGE_SIZE, PAGE_SIZE, 0);
    return true;
  }

  /** Any free frame for the guest, or undefined when none is left. */
  allocate(): number | undefined {
    for (let i = 0; i < this.owner.length; i++) {
      const f = (this.cursor + i) % this.owner.length;
      if (this.owner[f] === FrameOwner.Free) {
        this.cursor = f + 1;
        this.populate(f);
        return f;
      }
    }
    return undefined;
  }

  /** The guest gives a RAM frame back; false if it is not the guest's. */
  release(frame: number): boolean {
    if (!this.isRam(frame)) return false;
    this.owner[frame] = FrameOwner.Free;
    this.ram--;
    this.cursor = Math.min(this.cursor, frame);
    return true;
  }

  highestRam(): number {
    for (let f = this.owner.length - 1; f >= 0; f--) if (this.owner[f] === FrameOwner.Ram) return f;
    return 0;
  }
}
