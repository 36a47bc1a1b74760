/**
 * Host-service costs, measured on the host side alone (no CPU): one
 * emu-port request per hypercall kind, a xenstore round trip over the ring,
 * and console ring throughput. Run: npm run -s build && node dist/bench/host-services.js
 */
import { fileURLToPath } from 'node:url';
import { EMU_PROTOCOL_VERSION, EmuOp, EmuPort, emuRequest } from '../src/abi/emu-port.js';
import { layout } from '../src/abi/layout.js';
import { DomId, EvtchnOp } from '../src/abi/xen/event-channel.js';
import { SchedOp } from '../src/abi/xen/sched.js';
import { xenconsInterface } from '../src/abi/xen/console.js';
import { xenstoreDomainInterface, XsType } from '../src/abi/xen/xs-wire.js';
import { Domain } from '../src/host/domain/domain.js';
import { EmuPortServer } from '../src/host/emu-port/server.js';
import { ManualClock } from '../src/host/time/clock.js';
import { silentLogger } from '../src/log/logger.js';
import { GuestMemory, PAGE_SIZE } from '../src/memory/guest-memory.js';

export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

function time(iterations: number, body: () => void): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) body(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

export function hostServicesBench(): BenchFigure[] {
  const mem = new GuestMemory(1024 * PAGE_SIZE);
  const consoleBytes: number[] = [0];
  const domain = new Domain({
    memory: mem, arch: 'x86_64', vcpus: 1, nrPages: 768,
    sharedInfoMfn: 900, startInfoMfn: 1, consoleMfn: 2, storeMfn: 3,
    grantFrames: { mfn: 901, count: 4 }, emu: { mfn: 960, count: 64 },
    m2p: { mfn: 940, count: 8, virtStart: 0xffff800000000000n, virtEnd: 0xffff800000008000n },
    clock: new ManualClock(), log: silentLogger(), consoleOut: (b) => void (consoleBytes[0]! += b.length),
  });
  const server = new EmuPortServer(domain);
  const rl = layout(emuRequest, 'x86_64');
  const page = 960 * PAGE_SIZE;
  const arg = (i: number, v: bigint): void => mem.write64(page + rl.offset('arg') + 8 * i, v);
  const data = page + rl.offset('data');
  mem.write32(page, EMU_PROTOCOL_VERSION);
  server.handleIo(0, EmuPort.SETUP, 4, true, 960);
  const call = (op: number): void => void server.handleIo(0, EmuPort.CALL, 4, true, op);

  // A loopback channel: alloc_unbound, then bind_interdomain to it.
  arg(0, BigInt(EvtchnOp.alloc_unbound));
  mem.write16(data, DomId.SELF);
  mem.write16(data + 2, DomId.SELF);
  call(EmuOp.event_channel_op);
  const a = mem.read32(data + 4);
  arg(0, BigInt(EvtchnOp.bind_interdomain));
  mem.write16(data, DomId.SELF);
  mem.write32(data + 4, a);
  call(EmuOp.event_channel_op);
  const b = mem.read32(data + 8);

  const figures: BenchFigure[] = [];
  arg(0, BigInt(EvtchnOp.send));
  mem.write32(data, b);
  figures.push({ name: 'emu-port event_channel_op send (loopback)', value: time(200_000, () => call(EmuOp.event_channel_op)), unit: 'ns/request' });
  arg(0, 1_000_000n);
  figures.push({ name: 'emu-port set_timer_op', value: time(200_000, () => call(EmuOp.set_timer_op)), unit: 'ns/request' });
  arg(0, BigInt(SchedOp.yield));
  figures.push({ name: 'emu-port sched_op yield', value: time(200_000, () => call(EmuOp.sched_op)), unit: 'ns/request' });
  figures.push({ name: 'domain tick (timers, console, xenstore)', value: time(200_000, () => domain.tick()), unit: 'ns/tick' });

  // xenstore: one READ request and its reply over the ring.
  const xl = layout(xenstoreDomainInterface, 'x86_64');
  const xs = 3 * PAGE_SIZE;
  const req = new Uint8Array(16 + 6);
  new DataView(req.buffer).setUint32(0, XsType.READ, true);
  new DataView(req.buffer).setUint32(12, 6, true);
  req.set(Buffer.from('domid\0'), 16);
  figures.push({
    name: 'xenstore READ round trip over the ring',
    value: time(20_000, () => {
      let prod = mem.read32(xs + xl.offset('req_prod'));
      for (const byte of req) mem.write8(xs + xl.offset('req') + (prod++ & 1023), byte);
      mem.write32(xs + xl.offset('req_prod'), prod);
      domain.store.service();
      mem.write32(xs + xl.offset('rsp_cons'), mem.read32(xs + xl.offset('rsp_prod')));
    }),
    unit: 'ns/request',
  });

  // Console: fill the 2 KiB output ring and drain it.
  const cl = layout(xenconsInterface, 'x86_64');
  const con = 2 * PAGE_SIZE;
  const perDrain = time(20_000, () => {
    mem.write32(con + cl.offset('out_prod'), mem.read32(con + cl.offset('out_cons')) + 2048);
    domain.console.service();
  });
  figures.push({ name: 'console output ring drain', value: (2048 / perDrain) * 1000, unit: 'MB/s' });
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of hostServicesBench()) console.log(`${f.name.padEnd(45)} ${f.value.toFixed(1).padStart(10)} ${f.unit}`);
}
