/**
 * An interrupt request line between a device and an interrupt controller.
 * Devices raise and lower it as their interrupt condition comes and goes
 * (level-triggered, like the 16550's INTR pin); whatever sits on the other
 * end subscribes to the level changes. A line with nobody listening is a pin
 * left unconnected: the device still works, its interrupts go nowhere.
 */
export type IrqListener = (level: boolean) => void;

export class IrqLine {
  private current = false;
  private listener: IrqListener | undefined;

  constructor(readonly name: string) {}

  get level(): boolean {
    return this.current;
  }

  /** Connect the controller end; it is told the current level at once. */
  connect(listener: IrqListener): void {
    if (this.listener !== undefined) throw new Error(`IRQ line ${this.name} is already connected`);
    this.listener = listener;
    listener(this.current);
  }

  raise(): void {
    this.set(true);
  }

  lower(): void {
    this.set(false);
  }

  set(level: boolean): void {
    if (level === this.current) return;
    this.current = level;
    this.listener?.(level);
  }
}
