import { describe, expect, it } from 'vitest';
import { EmuOp } from '../../src/abi/emu-port.js';
import * as ev from '../../src/abi/xen/event-channel.js';
import { DomId, EvtchnOp, EvtchnStat, Virq } from '../../src/abi/xen/event-channel.js';
import { XenErrno } from '../../src/abi/xen/errno.js';
import { EMU_MFN, makeHarness, type Harness } from '../helpers/emu-guest.js';
import { EvtchnShadow } from '../../src/abi/emu-port.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';

const E = (n: keyof typeof XenErrno): bigint => BigInt(-XenErrno[n]);

function evtchnOp(h: Harness, cmd: number, decl: Parameters<Harness['writeStruct']>[0], values: Record<string, number>, v = 0): bigint {
  return h.call(EmuOp.event_channel_op, [cmd], () => h.writeStruct(decl, values, v), v);
}
function allocUnbound(h: Harness, remote: number = DomId.SELF): number {
  expect(evtchnOp(h, EvtchnOp.alloc_unbound, ev.evtchnAllocUnbound, { dom: DomId.SELF, remote_dom: remote })).toBe(0n);
  return Number(h.readField(ev.evtchnAllocUnbound, 'port', 4));
}
function bindVirq(h: Harness, virq: number, vcpu: number): bigint {
  const r = evtchnOp(h, EvtchnOp.bind_virq, ev.evtchnBindVirq, { virq, vcpu });
  return r === 0n ? h.readField(ev.evtchnBindVirq, 'port', 4) : r;
}
function port(h: Harness, cmd: number, p: number): bigint {
  return evtchnOp(h, cmd, ev.evtchnPortOnly, { port: p });
}
function bit(h: Harness, field: 'evtchn_pending' | 'evtchn_mask', p: number): boolean {
  return (h.mem.read8(h.si(field) + (p >> 3)) & (1 << (p & 7))) !== 0;
}
function selBit(h: Harness, v: number, word: number): boolean {
  return (h.mem.read8(h.vi(v, 'evtchn_pending_sel') + (word >> 3)) & (1 << (word & 7))) !== 0;
}
function status(h: Harness, p: number): { st: number; vcpu: number } | bigint {
  const r = evtchnOp(h, EvtchnOp.status, ev.evtchnStatus, { dom: DomId.SELF, port: p });
  if (r !== 0n) return r;
  return { st: Number(h.readField(ev.evtchnStatus, 'status', 4)), vcpu: Number(h.readField(ev.evtchnStatus, 'vcpu', 4)) };
}

describe.each(['x86_64', 'x86_32'] as const)('event channels through the emu port (%s)', (arch) => {
  const wordBits = arch === 'x86_64' ? 64 : 32;
  const nrPorts = arch === 'x86_64' ? 4096 : 1024;

  it('loopback: alloc_unbound + bind_interdomain, send raises pending, selector, upcall and a kick', () => {
    const h = makeHarness(arch);
    const a = allocUnbound(h);
    expect(evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: DomId.SELF, remote_port: a })).toBe(0n);
    const b = Number(h.readField(ev.evtchnBindInterdomain, 'local_port', 4));
    // Binding raises the new local port (Xen does, so no event is lost).
    expect(bit(h, 'evtchn_pending', b)).toBe(true);
    h.mem.fill(h.si('evtchn_pending'), 8, 0);
    h.mem.write8(h.vi(0, 'evtchn_upcall_pending'), 0);
    h.mem.fill(h.vi(0, 'evtchn_pending_sel'), wordBits / 8, 0);
    h.kicks.length = 0;
    expect(port(h, EvtchnOp.send, b)).toBe(0n);
    expect(bit(h, 'evtchn_pending', a)).toBe(true);
    expect(selBit(h, 0, Math.floor(a / wordBits))).toBe(true);
    expect(h.mem.read8(h.vi(0, 'evtchn_upcall_pending'))).toBe(1);
    expect(h.kicks).toEqual([0]);
    // Already pending: no second kick.
    expect(port(h, EvtchnOp.send, b)).toBe(0n);
    expect(h.kicks).toEqual([0]);
    const s = status(h, a);
    expect(s).toEqual({ st: EvtchnStat.interdomain, vcpu: 0 });
    expect(h.readField(ev.evtchnStatus, 'u.interdomain.port', 4)).toBe(BigInt(b));
    expect(h.readField(ev.evtchnStatus, 'u.interdomain.dom', 2)).toBe(1n);
  });

  it('a masked port stays quiet until unmask, which raises the upcall', () => {
    const h = makeHarness(arch);
    const p = Number(bindVirq(h, Virq.TIMER, 0));
    h.mem.write8(h.si('evtchn_mask') + (p >> 3), 1 << (p & 7));
    h.kicks.length = 0;
    h.domain.evtchn.sendVirq(Virq.TIMER, 0);
    expect(bit(h, 'evtchn_pending', p)).toBe(true);
    expect(h.mem.read8(h.vi(0, 'evtchn_upcall_pending'))).toBe(0);
    expect(h.kicks).toEqual([]);
    expect(port(h, EvtchnOp.unmask, p)).toBe(0n);
    expect(bit(h, 'evtchn_mask', p)).toBe(false);
    expect(h.mem.read8(h.vi(0, 'evtchn_upcall_pending'))).toBe(1);
    expect(h.kicks).toEqual([0]);
  });

  it('selector bits follow the guest word size', () => {
    const h = makeHarness(arch);
    // Fill ports up to past the first word so one lands in word 1.
    let p = 0;
    while (p < wordBits + 1) p = Number(bindIpiOn(h, 1));
    h.domain.evtchn.setPending(p);
    expect(selBit(h, 1, Math.floor(p / wordBits))).toBe(true);
    expect(h.mem.read8(h.vi(1, 'evtchn_upcall_pending'))).toBe(1);
    expect(h.mem.read8(h.vi(0, 'evtchn_upcall_pending'))).toBe(0);
  });

  it('bind_virq validates the VIRQ, the vCPU and duplicates', () => {
    const h = makeHarness(arch);
    expect(bindVirq(h, ev.NR_VIRQS, 0)).toBe(E('EINVAL'));
    expect(bindVirq(h, 0xffffffff, 0)).toBe(E('EINVAL'));
    expect(bindVirq(h, Virq.CONSOLE, 1)).toBe(E('EINVAL')); // global VIRQs live on vCPU 0
    expect(bindVirq(h, Virq.TIMER, 2)).toBe(E('ENOENT'));
    expect(bindVirq(h, Virq.TIMER, 1)).toBeGreaterThan(0n);
    expect(bindVirq(h, Virq.TIMER, 1)).toBe(E('EEXIST'));
    expect(bindVirq(h, Virq.TIMER, 0)).toBeGreaterThan(0n);
    const p = Number(bindVirq(h, Virq.DEBUG, 0));
    expect(status(h, p)).toEqual({ st: EvtchnStat.virq, vcpu: 0 });
    expect(h.readField(ev.evtchnStatus, 'u.virq', 4)).toBe(BigInt(Virq.DEBUG));
  });

  it('rejects bad ports everywhere with EINVAL', () => {
    const h = makeHarness(arch);
    for (const p of [0, nrPorts, nrPorts + 1, 0xffffffff, 77]) {
      expect(port(h, EvtchnOp.send, p)).toBe(E('EINVAL'));
      expect(port(h, EvtchnOp.close, p)).toBe(E('EINVAL'));
      expect(evtchnOp(h, EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: p, vcpu: 0 })).toBe(E('EINVAL'));
      // Xen checks the vCPU first.
      expect(evtchnOp(h, EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: p, vcpu: 5 })).toBe(E('ENOENT'));
      if (p !== 77 && p !== 0) expect(port(h, EvtchnOp.unmask, p)).toBe(E('EINVAL'));
      if (p !== 77 && p !== 0) expect(status(h, p)).toBe(E('EINVAL'));
    }
    const virq = Number(bindVirq(h, Virq.TIMER, 0));
    expect(port(h, EvtchnOp.send, virq)).toBe(E('EINVAL'));
    expect(evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: DomId.SELF, remote_port: virq })).toBe(E('EINVAL'));
    expect(evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: 7, remote_port: 1 })).toBe(E('ESRCH'));
    expect(evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: 0, remote_port: 999 })).toBe(E('EINVAL'));
    // Another domain's channels: the host (domain 0) is off limits, any other domain does not exist.
    expect(evtchnOp(h, EvtchnOp.alloc_unbound, ev.evtchnAllocUnbound, { dom: 0, remote_dom: 0 })).toBe(E('EPERM'));
    expect(evtchnOp(h, EvtchnOp.alloc_unbound, ev.evtchnAllocUnbound, { dom: 5, remote_dom: 0 })).toBe(E('ESRCH'));
    expect(evtchnOp(h, EvtchnOp.status, ev.evtchnStatus, { dom: 0, port: 1 })).toBe(E('EPERM'));
    expect(evtchnOp(h, EvtchnOp.status, ev.evtchnStatus, { dom: 3, port: 1 })).toBe(E('ESRCH'));
    expect(evtchnOp(h, EvtchnOp.bind_ipi, ev.evtchnBindIpi, { vcpu: 9 })).toBe(E('ENOENT'));
    expect(h.call(EmuOp.event_channel_op, [EvtchnOp.init_control])).toBe(E('ENOSYS'));
    expect(h.call(EmuOp.event_channel_op, [EvtchnOp.bind_pirq])).toBe(E('EPERM'));
    expect(h.call(EmuOp.event_channel_op, [0xffffffffn + 5n])).toBe(E('ENOSYS'));
  });

  it('a new domain starts with events masked in every vcpu_info, as libxc leaves shared_info', () => {
    const h = makeHarness(arch);
    // vcpu_info is 64 bytes on both word sizes; evtchn_upcall_mask is its byte 1.
    for (let v = 0; v < 32; v++) expect(h.mem.read8(h.si('vcpu_info') + v * 64 + 1), `vCPU ${v}`).toBe(1);
    expect(h.mem.read8(h.vi(0, 'evtchn_upcall_mask'))).toBe(1);
  });

  it('port 0 is reserved as in Xen: status and unmask succeed on it, send/close/bind_vcpu fail on its state', () => {
    const h = makeHarness(arch);
    expect(status(h, 0)).toEqual({ st: EvtchnStat.closed, vcpu: 0 });
    // Unmask runs the 2-level unmask on bit 0: a pending, masked port 0 raises the upcall.
    h.mem.write8(h.si('evtchn_mask'), 1);
    expect(port(h, EvtchnOp.unmask, 0)).toBe(0n);
    expect(bit(h, 'evtchn_mask', 0)).toBe(false);
    expect(h.mem.read8(h.vi(0, 'evtchn_upcall_pending'))).toBe(0);
    h.mem.write8(h.si('evtchn_mask'), 1);
    h.mem.write8(h.si('evtchn_pending'), 1);
    h.kicks.length = 0;
    expect(port(h, EvtchnOp.unmask, 0)).toBe(0n);
    expect(selBit(h, 0, 0)).toBe(true);
    expect(h.mem.read8(h.vi(0, 'evtchn_upcall_pending'))).toBe(1);
    expect(h.kicks).toEqual([0]);
    expect(port(h, EvtchnOp.send, 0)).toBe(E('EINVAL'));
    expect(port(h, EvtchnOp.close, 0)).toBe(E('EINVAL'));
    // Never allocated, and a loopback cannot bind to it.
    expect(allocUnbound(h)).toBeGreaterThan(0);
    expect(evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: DomId.SELF, remote_port: 0 })).toBe(E('EINVAL'));
  });

  it('alloc_unbound records any remote domain, as Xen does; only a loopback to ourselves binds', () => {
    const h = makeHarness(arch);
    const p = allocUnbound(h, 42);
    expect(status(h, p)).toEqual({ st: EvtchnStat.unbound, vcpu: 0 });
    expect(h.readField(ev.evtchnStatus, 'u.unbound_dom', 2)).toBe(42n);
    expect(evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: DomId.SELF, remote_port: p })).toBe(E('EINVAL'));
  });

  it('close returns a loopback peer to unbound and clears pending', () => {
    const h = makeHarness(arch);
    const a = allocUnbound(h);
    evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: DomId.SELF, remote_port: a });
    const b = Number(h.readField(ev.evtchnBindInterdomain, 'local_port', 4));
    expect(port(h, EvtchnOp.close, b)).toBe(0n);
    expect(bit(h, 'evtchn_pending', b)).toBe(false);
    expect(status(h, b)).toEqual({ st: EvtchnStat.closed, vcpu: 0 });
    expect(status(h, a)).toEqual({ st: EvtchnStat.unbound, vcpu: 0 });
    expect(port(h, EvtchnOp.close, b)).toBe(E('EINVAL'));
    // The freed port is reused first.
    expect(allocUnbound(h)).toBe(b);
    // Sending on an unbound port is silently dropped.
    expect(port(h, EvtchnOp.send, a)).toBe(0n);
  });

  it('bind_vcpu moves notifications, except for per-vCPU VIRQs and IPIs', () => {
    const h = makeHarness(arch);
    const a = allocUnbound(h);
    expect(evtchnOp(h, EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: a, vcpu: 1 })).toBe(0n);
    expect(status(h, a)).toEqual({ st: EvtchnStat.unbound, vcpu: 1 });
    const t = Number(bindVirq(h, Virq.TIMER, 0));
    expect(evtchnOp(h, EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: t, vcpu: 1 })).toBe(E('EINVAL'));
    expect(evtchnOp(h, EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: a, vcpu: 2 })).toBe(E('ENOENT'));
    const i = Number(bindIpiOn(h, 0));
    expect(evtchnOp(h, EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: i, vcpu: 1 })).toBe(E('EINVAL'));
  });

  it('a global VIRQ moved to another vCPU unbinds cleanly on close', () => {
    const h = makeHarness(arch);
    const p = Number(bindVirq(h, Virq.CONSOLE, 0));
    expect(evtchnOp(h, EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: p, vcpu: 1 })).toBe(0n);
    // Still raised by the host (whichever vCPU it names), now delivered on vCPU 1.
    h.domain.evtchn.sendVirq(Virq.CONSOLE, 1);
    expect(bit(h, 'evtchn_pending', p)).toBe(true);
    expect(selBit(h, 1, Math.floor(p / wordBits))).toBe(true);
    expect(port(h, EvtchnOp.close, p)).toBe(0n);
    // The binding is gone: the VIRQ binds again, and does not raise a port reused for something else.
    const reused = allocUnbound(h);
    expect(reused).toBe(p);
    h.domain.evtchn.sendVirq(Virq.CONSOLE, 0);
    expect(bit(h, 'evtchn_pending', reused)).toBe(false);
    expect(bindVirq(h, Virq.CONSOLE, 0)).toBeGreaterThan(0n);
  });

  it('runs out of ports with ENOSPC at the ABI limit', () => {
    const h = makeHarness(arch);
    let n = 0;
    for (;;) {
      const r = evtchnOp(h, EvtchnOp.alloc_unbound, ev.evtchnAllocUnbound, { dom: DomId.SELF, remote_dom: 0 });
      if (r !== 0n) {
        expect(r).toBe(E('ENOSPC'));
        break;
      }
      n++;
    }
    // Port 0 is never used; console and xenstore hold two.
    expect(n).toBe(nrPorts - 3);
  });

  it('reset closes every port, the backends\' too', () => {
    const h = makeHarness(arch);
    allocUnbound(h);
    bindVirq(h, Virq.TIMER, 0);
    expect(evtchnOp(h, EvtchnOp.reset, ev.evtchnReset, { dom: DomId.SELF })).toBe(0n);
    expect(evtchnOp(h, EvtchnOp.reset, ev.evtchnReset, { dom: 0 })).toBe(E('EPERM'));
    expect(evtchnOp(h, EvtchnOp.reset, ev.evtchnReset, { dom: 4 })).toBe(E('ESRCH'));
    for (let p = 1; p < 8; p++) expect(status(h, p)).toEqual({ st: EvtchnStat.closed, vcpu: 0 });
    // VIRQ_TIMER may be bound again.
    expect(bindVirq(h, Virq.TIMER, 0)).toBeGreaterThan(0n);
  });

  it('host backends: a guest send reaches the backend, the backend notifies the guest', () => {
    const h = makeHarness(arch);
    let sends = 0;
    const endpoint = { name: 'test', onGuestSend: () => void sends++ };
    // A frontend-style channel: the guest allocates for dom0, the backend binds.
    const p = allocUnbound(h, 0);
    expect(h.domain.evtchn.bindBackendToGuestPort(p, endpoint)).toBe(0);
    expect(h.domain.evtchn.bindBackendToGuestPort(p, endpoint)).toBe(-XenErrno.EINVAL);
    expect(port(h, EvtchnOp.send, p)).toBe(0n);
    expect(sends).toBe(1);
    expect(h.domain.evtchn.notifyFromBackend(p, endpoint)).toBe(true);
    expect(bit(h, 'evtchn_pending', p)).toBe(true);
    // A host port offered to the guest, bound with bind_interdomain(0, port).
    const hostPort = h.domain.evtchn.offerToGuest(endpoint);
    expect(evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: 0, remote_port: hostPort })).toBe(0n);
    const q = Number(h.readField(ev.evtchnBindInterdomain, 'local_port', 4));
    expect(port(h, EvtchnOp.send, q)).toBe(0n);
    expect(sends).toBe(2);
    // After the guest closes, the backend cannot notify through it any more.
    expect(port(h, EvtchnOp.close, q)).toBe(0n);
    expect(h.domain.evtchn.notifyFromBackend(q, endpoint)).toBe(false);
  });
});

function bindIpiOn(h: Harness, vcpu: number): bigint {
  const r = h.call(EmuOp.event_channel_op, [EvtchnOp.bind_ipi], () => h.writeStruct(ev.evtchnBindIpi, { vcpu }));
  return r === 0n ? h.readField(ev.evtchnBindIpi, 'port', 4) : r;
}

describe.each(['x86_64', 'x86_32'] as const)("emu's port table (%s)", (arch) => {
  const TABLE = (EMU_MFN + 8) * PAGE_SIZE;
  const entry = (h: Harness, p: number): { open: boolean; vcpu: number; local: number } => {
    const e = h.mem.read32(TABLE + 4 * p);
    return { open: (e & EvtchnShadow.OPEN) !== 0, vcpu: (e >>> EvtchnShadow.VCPU_SHIFT) & EvtchnShadow.VCPU_MASK, local: e & EvtchnShadow.LOCAL_MASK };
  };

  it('is published on registration and kept current', () => {
    const h = makeHarness(arch);
    expect(h.call(EmuOp.EVTCHN_TABLE, [TABLE])).toBe(0n);
    // Backend channels must go through the host.
    expect(entry(h, h.domain.consolePort)).toEqual({ open: true, vcpu: 0, local: 0 });
    const a = allocUnbound(h);
    expect(entry(h, a)).toEqual({ open: true, vcpu: 0, local: 0 });
    evtchnOp(h, EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: DomId.SELF, remote_port: a });
    const b = Number(h.readField(ev.evtchnBindInterdomain, 'local_port', 4));
    expect(entry(h, a).local).toBe(b);
    expect(entry(h, b).local).toBe(a);
    const i = Number(bindIpiOn(h, 1));
    expect(entry(h, i)).toEqual({ open: true, vcpu: 1, local: i });
    expect(evtchnOp(h, EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: a, vcpu: 1 })).toBe(0n);
    expect(entry(h, a).vcpu).toBe(1);
    port(h, EvtchnOp.close, b);
    expect(entry(h, b)).toEqual({ open: false, vcpu: 0, local: 0 });
    expect(entry(h, a)).toEqual({ open: true, vcpu: 1, local: 0 });
  });

  it('must be page aligned inside emu\'s frames', () => {
    const h = makeHarness(arch);
    const pastEnd = (EMU_MFN + 64 - (arch === 'x86_64' ? 3 : 0)) * PAGE_SIZE; // the table would run off emu's frames
    for (const bad of [TABLE + 4, 10 * PAGE_SIZE, pastEnd, 2 ** 60]) {
      expect(h.call(EmuOp.EVTCHN_TABLE, [bad])).toBe(E('EINVAL'));
    }
  });
});
