import { describe, expect, it } from 'vitest';
import { EMU_REQ_DATA_SIZE, EmuOp } from '../../src/abi/emu-port.js';
import { ConsoleIo, xenconsInterface } from '../../src/abi/xen/console.js';
import { EvtchnOp, evtchnPortOnly } from '../../src/abi/xen/event-channel.js';
import { XenErrno } from '../../src/abi/xen/errno.js';
import { layout } from '../../src/abi/layout.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';
import { CONSOLE_MFN, makeHarness, type Harness } from '../helpers/emu-guest.js';

const l = layout(xenconsInterface, 'x86_64');
const at = (f: string): number => CONSOLE_MFN * PAGE_SIZE + l.offset(f);

/** The guest's console driver: put text in the out ring, then notify. */
function guestWrite(h: Harness, text: string, notify = true): void {
  let prod = h.mem.read32(at('out_prod'));
  for (const ch of Buffer.from(text, 'latin1')) {
    h.mem.write8(at('out') + (prod & 2047), ch);
    prod = (prod + 1) >>> 0;
  }
  h.mem.write32(at('out_prod'), prod);
  if (notify) h.call(EmuOp.event_channel_op, [EvtchnOp.send], () => h.writeStruct(evtchnPortOnly, { port: h.domain.consolePort }));
}
function guestRead(h: Harness): string {
  let cons = h.mem.read32(at('in_cons'));
  const prod = h.mem.read32(at('in_prod'));
  let s = '';
  while (cons !== prod) {
    s += String.fromCharCode(h.mem.read8(at('in') + (cons & 1023)));
    cons = (cons + 1) >>> 0;
  }
  h.mem.write32(at('in_cons'), cons);
  return s;
}
const consoleWrite = (h: Harness, text: string, count = text.length): bigint =>
  h.call(EmuOp.console_io, [ConsoleIo.write, count], (d) => h.mem.writeBytes(d, Buffer.from(text, 'latin1')));
const pendingBit = (h: Harness, p: number): boolean => (h.mem.read8(h.si('evtchn_pending') + (p >> 3)) & (1 << (p & 7))) !== 0;

describe.each(['x86_64', 'x86_32'] as const)('console (%s)', (arch) => {
  it('drains the output ring in order on notify, across index wrap, and notifies back', () => {
    const h = makeHarness(arch);
    h.mem.write32(at('out_cons'), 0xfffffff0);
    h.mem.write32(at('out_prod'), 0xfffffff0);
    guestWrite(h, 'hello, ');
    guestWrite(h, 'wrapped world\n');
    expect(h.consoleText()).toBe('hello, wrapped world\n');
    expect(h.mem.read32(at('out_cons'))).toBe(h.mem.read32(at('out_prod')));
    expect(h.mem.read32(at('out_prod'))).toBe((0xfffffff0 + 21) >>> 0);
    expect(pendingBit(h, h.domain.consolePort)).toBe(true);
  });

  it('console_io and the ring reach the sink in the order the guest produced them', () => {
    const h = makeHarness(arch);
    guestWrite(h, 'ring first, ', false);
    expect(consoleWrite(h, 'then hypercall')).toBe(14n);
    expect(h.consoleText()).toBe('ring first, then hypercall');
    expect(consoleWrite(h, 'x', EMU_REQ_DATA_SIZE + 1)).toBe(BigInt(-XenErrno.EINVAL));
    expect(h.call(EmuOp.console_io, [7, 1])).toBe(BigInt(-XenErrno.EINVAL));
  });

  it('drains without a notification and without a reader', () => {
    const h = makeHarness(arch, { consoleOut: undefined });
    guestWrite(h, 'x'.repeat(2048), false);
    h.domain.tick();
    expect(h.mem.read32(at('out_cons'))).toBe(2048);
    expect(h.domain.console.bytesOut).toBe(2048);
  });

  it('ignores inconsistent indices until the guest repairs them', () => {
    const h = makeHarness(arch);
    h.mem.write32(at('out_prod'), 5000);
    h.domain.tick();
    expect(h.mem.read32(at('out_cons'))).toBe(0);
    expect(h.consoleText()).toBe('');
    h.mem.write32(at('out_prod'), 0);
    guestWrite(h, 'ok');
    expect(h.consoleText()).toBe('ok');
    h.mem.write32(at('in_prod'), 99999);
    h.domain.console.pushInput(Buffer.from('abc'));
    expect(h.mem.read32(at('in_prod'))).toBe(99999);
  });

  it('feeds input into the in ring as space allows, the rest later', () => {
    const h = makeHarness(arch);
    const text = 'k'.repeat(1000) + 'tail-of-input-that-waits';
    h.domain.console.pushInput(Buffer.from(text));
    expect(pendingBit(h, h.domain.consolePort)).toBe(true);
    const first = guestRead(h);
    expect(first.length).toBe(1024);
    h.domain.tick();
    expect(first + guestRead(h)).toBe(text);
    // CONSOLEIO_read takes what has not reached the ring yet.
    h.mem.write32(at('in_prod'), h.mem.read32(at('in_cons')) + 1024);
    h.domain.console.pushInput(Buffer.from('xyz'));
    expect(h.call(EmuOp.console_io, [ConsoleIo.read, 2])).toBe(2n);
    expect(Buffer.from(h.mem.readBytes(h.data(), 2)).toString()).toBe('xy');
  });
});
