import { describe, expect, it } from 'vitest';
import { ScriptedVcpu, type ScriptStep } from '../../test/helpers/scripted-vcpu.js';
import { silentLogger } from '../log/logger.js';
import { BarePlatform } from './bare-platform.js';
import type { BusDevice } from './bus-device.js';
import type { InterruptController } from './interrupt-controller.js';
import { RunLoop, type RunLoopOptions } from './run-loop.js';
import type { ConsoleInput } from './serial-input.js';

const text = (s: string): number[] => Array.from(Buffer.from(s));

function boot(script: ScriptStep[], extra: Partial<RunLoopOptions> & { input?: string } = {}) {
  const vcpu = new ScriptedVcpu(script);
  const serial: string[] = [];
  const debug: string[] = [];
  const consoleIn: ConsoleInput | undefined = extra.input === undefined ? undefined : {
    subscribe(on) {
      on(Buffer.from(extra.input!));
      return () => undefined;
    },
  };
  // eslint-disable-next-line prefer-const
  let loop: RunLoop;
  const platform = new BarePlatform({
    logger: silentLogger(),
    consoleOut: (b) => serial.push(Buffer.from(b).toString('latin1')),
    debugOut: (b) => debug.push(Buffer.from(b).toString('latin1')),
    ...(consoleIn ? { consoleIn } : {}),
    onDebugExit: (status, value) => loop.stop({ status, reason: `debug exit ${value}` }),
  });
  loop = new RunLoop({ vcpu, io: platform.io, mmio: platform.mmio, logger: silentLogger(), onYield: () => platform.flush(), ...extra });
  return {
    vcpu, platform, loop,
    serial: () => serial.join(''),
    debug: () => debug.join(''),
  };
}

describe('run loop: port I/O', () => {
  it('prints through the UART and the debug console and ends at the debug-exit port', async () => {
    const m = boot([
      { kind: 'out', port: 0x3f8, size: 1, values: text('ok\n').slice(0, 1) },
      { kind: 'out', port: 0x3f8, size: 1, values: [0x6b] },
      { kind: 'out', port: 0x3f8, size: 1, values: [0x0a] },
      { kind: 'out', port: 0xe9, size: 1, values: text('Test result: SUCCESS\n') }, // rep outsb
      { kind: 'out', port: 0xf4, size: 4, values: [0x10] },
    ]);
    const r = await m.loop.run();
    expect(r).toEqual({ status: 0x21, reason: 'debug exit 16' });
    expect(m.serial()).toBe('ok\n');
    expect(m.debug()).toBe('Test result: SUCCESS\n');
    expect(m.vcpu.finished).toBe(true);
  });

  it('completes IN exits with the device data before resuming (KVM semantics)', async () => {
    const m = boot([
      { kind: 'in', port: 0x3fd, size: 1 }, // LSR
      { kind: 'in', port: 0xe9, size: 1 },
      { kind: 'in', port: 0x80, size: 2 }, // nobody there
      { kind: 'in', port: 0x3f8, size: 1, count: 3 }, // rep insb from RBR
      { kind: 'out', port: 0xf4, size: 1, values: [0] },
    ], { input: 'xyz' });
    const r = await m.loop.run();
    expect(r.status).toBe(1);
    expect(m.vcpu.completions).toEqual([
      { step: 0, data: [0x61] }, // THRE|TEMT|DR
      { step: 1, data: [0xe9] },
      { step: 2, data: [0xffff] },
      { step: 3, data: text('xyz') },
    ]);
  });

  it('feeds input beyond the receiver as the guest reads it', async () => {
    const m = boot([
      { kind: 'in', port: 0x3f8, size: 1 },
      { kind: 'in', port: 0x3f8, size: 1 },
      { kind: 'in', port: 0x3fd, size: 1 },
      { kind: 'out', port: 0xf4, size: 1, values: [0] },
    ], { input: 'ab' });
    await m.loop.run();
    expect(m.vcpu.completions.map((c) => c.data[0])).toEqual([0x61, 0x62, 0x60]);
  });

  it('stops dispatching a string OUT at the debug exit', async () => {
    const m = boot([{ kind: 'out', port: 0xf4, size: 1, values: [3, 4] }]);
    expect((await m.loop.run()).status).toBe(7);
  });

  it('treats a malformed I/O exit as an internal error', async () => {
    const m = boot([{ kind: 'in', port: 0x3f8, size: 4, count: 2000 }]);
    const r = await m.loop.run();
    expect(r.status).toBe(70);
    expect(r.reason).toMatch(/malformed I\/O exit/);
  });
});

describe('run loop: MMIO', () => {
  it('dispatches MMIO reads and writes; unclaimed reads are all-ones', async () => {
    const regs = new Map<number, number>();
    const dev: BusDevice = { read: (o) => regs.get(o) ?? 0, write: (o, _s, v) => void regs.set(o, v) };
    const m = boot([
      { kind: 'mmio-write', addr: 0xfee00080, len: 4, bytes: [0x78, 0x56, 0x34, 0x12] },
      { kind: 'mmio-read', addr: 0xfee00080, len: 8 },
      { kind: 'mmio-read', addr: 0xfec00000, len: 2 },
      { kind: 'out', port: 0xf4, size: 1, values: [0] },
    ]);
    m.platform.mmio.register('fake-lapic', 0xfee00000, 0x1000, dev);
    await m.loop.run();
    expect(regs.get(0x80)).toBe(0x12345678);
    expect(m.vcpu.completions).toEqual([
      { step: 1, data: [0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0] },
      { step: 2, data: [0xff, 0xff] },
    ]);
  });
});

describe('run loop: how machines end', () => {
  it('ends with status 8 on a triple fault', async () => {
    const r = await boot([{ kind: 'shutdown' }]).loop.run();
    expect(r).toEqual({ status: 8, reason: 'triple fault (shutdown)' });
  });

  it('ends a guest halted with interrupts disabled as hung (status 10)', async () => {
    const r = await boot([{ kind: 'hlt', interruptsEnabled: false }]).loop.run();
    expect(r.status).toBe(10);
    expect(r.reason).toMatch(/interrupts disabled/);
  });

  it('ends a guest waiting for an interrupt on a machine without interrupt controller', async () => {
    const r = await boot([{ kind: 'hlt', interruptsEnabled: true }]).loop.run();
    expect(r.status).toBe(10);
    expect(r.reason).toMatch(/no interrupt controller/);
  });

  it('reports a CPU internal error with status 70', async () => {
    const r = await boot([{ kind: 'internal-error', message: 'unimplemented opcode 0f 0b' }]).loop.run();
    expect(r).toEqual({ status: 70, reason: 'CPU internal error: unimplemented opcode 0f 0b' });
  });

  it('stops after exactly --max-instructions instructions with status 10', async () => {
    const m = boot([{ kind: 'out', port: 0xe9, size: 1, values: [0x41], retire: 5 }, { kind: 'spin' }], {
      maxInstructions: 1_000_003,
      sliceInstructions: 400_000,
    });
    const r = await m.loop.run();
    expect(r.status).toBe(10);
    expect(m.vcpu.instructionsRetired).toBe(1_000_003);
    expect(m.vcpu.budgets).toEqual([400_000, 400_000, 400_000, 199_998]);
    expect(m.debug()).toBe('A');
  });
});

class FakePic implements InterruptController {
  pending: number[] = [];
  private wake: (() => void) | undefined;
  hasPending(): boolean {
    return this.pending.length > 0;
  }
  acknowledge(): number {
    return this.pending.shift()!;
  }
  waitForInterrupt(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
  raise(vector: number): void {
    this.pending.push(vector);
    this.wake?.();
  }
}

describe('run loop: interrupts', () => {
  it('waits in HLT until the controller has an interrupt, then injects it', async () => {
    const pic = new FakePic();
    const m = boot([{ kind: 'hlt', interruptsEnabled: true }, { kind: 'out', port: 0xf4, size: 1, values: [0] }], { interrupts: pic });
    setTimeout(() => pic.raise(0x24), 5);
    await m.loop.run();
    expect(m.vcpu.injected).toEqual([0x24]);
  });

  it('asks for an interrupt window when the CPU cannot take the interrupt yet', async () => {
    const pic = new FakePic();
    pic.raise(0x20);
    const m = boot([{ kind: 'irq-window' }, { kind: 'out', port: 0xf4, size: 1, values: [0] }], { interrupts: pic });
    m.vcpu.readyForInterruptInjection = false;
    const ran = m.vcpu.run.bind(m.vcpu);
    const windows: boolean[] = [];
    m.vcpu.run = (budget: number) => {
      windows.push(m.vcpu.requestInterruptWindow);
      const r = ran(budget);
      m.vcpu.readyForInterruptInjection = true;
      return r;
    };
    await m.loop.run();
    expect(windows).toEqual([true, false]);
    expect(m.vcpu.injected).toEqual([0x20]);
  });
});

describe('run loop: console input and UART set-up', () => {
  it('loses only the byte that arrived before the guest enabled the FIFOs', async () => {
    const m = boot([
      { kind: 'out', port: 0x3fa, size: 1, values: [0xc7] }, // FCR: FIFOs on, cleared
      { kind: 'in', port: 0x3f8, size: 1, count: 4 },
      { kind: 'in', port: 0x3fd, size: 1 },
      { kind: 'out', port: 0xf4, size: 1, values: [0] },
    ], { input: '\nping' });
    await m.loop.run();
    expect(m.vcpu.completions).toEqual([
      { step: 1, data: Array.from(Buffer.from('ping')) },
      { step: 2, data: [0x60] },
    ]);
  });
});

describe('run loop: a guest that polls', () => {
  it('lets input that arrives later reach a guest busy with I/O exits', async () => {
    const polls: ScriptStep[] = Array.from({ length: 5000 }, () => ({ kind: 'in', port: 0x3fd, size: 1 }));
    const vcpu = new ScriptedVcpu([...polls, { kind: 'out', port: 0xf4, size: 1, values: [0] }]);
    let loop: RunLoop | undefined;
    const platform = new BarePlatform({
      logger: silentLogger(),
      consoleOut: () => undefined,
      consoleIn: {
        subscribe(on) {
          setImmediate(() => on(Buffer.from('x')));
          return () => undefined;
        },
      },
      onDebugExit: (status) => loop?.stop({ status, reason: 'exit' }),
    });
    loop = new RunLoop({ vcpu, io: platform.io, mmio: platform.mmio, logger: silentLogger() });
    await loop.run();
    const lsr = vcpu.completions.map((c) => c.data[0]!);
    expect(lsr[0]).toBe(0x60); // nothing yet
    expect(lsr[lsr.length - 1]).toBe(0x61); // the byte arrived while the guest polled
  });
});
