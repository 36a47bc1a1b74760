/**
 * The emu-port server: the host end of the protocol in src/abi/emu-port.ts.
 * The machine's run loop hands it every port I/O exit in the emu port range
 * with the id of the vCPU that made it; the server validates and serves the
 * request during that exit. Nothing the guest (or emu) does makes it throw:
 * bad arguments get Xen error codes in `ret`, a bad guest address gets
 * -EFAULT, and what leaves the domain unusable crashes the domain with a
 * log line.
 */
import {
  EMU_PORT_MAGIC_VALUE,
  EMU_PROTOCOL_MAJOR,
  EMU_PROTOCOL_VERSION,
  EmuOp,
  EmuPort,
  emuRequest,
} from '../../abi/emu-port.js';
import { GuestMemoryError, PAGE_SIZE } from '../../memory/guest-memory.js';
import { err, GuestFault } from '../common/errors.js';
import { layoutOf } from '../common/struct-view.js';
import type { Domain } from '../domain/domain.js';
import type { OpContext, OpHandler } from './op-context.js';
import { consoleIo } from './ops/console-io.js';
import { bootInfo, emuCrash, emuLog, evtchnTable } from './ops/emu-private.js';
import { eventChannelOp } from './ops/event-channel-op.js';
import { grantTableOp } from './ops/grant-table-op.js';
import { memoryOp } from './ops/memory-op.js';
import { schedOp, setTimerOp } from './ops/sched-op.js';
import { vcpuOp } from './ops/vcpu-op.js';
import { EmuRequest } from './request.js';

const HANDLERS: ReadonlyMap<number, OpHandler> = new Map<number, OpHandler>([
  [EmuOp.event_channel_op, eventChannelOp],
  [EmuOp.sched_op, schedOp],
  [EmuOp.set_timer_op, setTimerOp],
  [EmuOp.vcpu_op, vcpuOp],
  [EmuOp.grant_table_op, grantTableOp],
  [EmuOp.memory_op, memoryOp],
  [EmuOp.console_io, consoleIo],
  [EmuOp.BOOT_INFO, bootInfo],
  [EmuOp.LOG, emuLog],
  [EmuOp.CRASH, emuCrash],
  [EmuOp.EVTCHN_TABLE, evtchnTable],
]);

/** Read value for ports that read nothing (as an unclaimed ISA port). */
const FLOATING = 0xffffffff;

export class EmuPortServer {
  /**
   * The key {@link counts} files every op without a handler under: op codes
   * are guest-chosen u32s, and one key each would let a guest grow the map
   * without bound.
   */
  static readonly UNKNOWN_OP = -1;
  /** Xen's command numbers are all below this. */
  static readonly MAX_KEYED_COMMAND = 64;
  /** Requests served per op code: the "host exits per hypercall type" counter. */
  readonly counts = new Map<number, number>();
  /**
   * Forwarded hypercalls by op and command (arg0), as "op.cmd" (e.g.
   * "32.4" for EVTCHNOP_send): which sub-operations cost a host exit.
   * Commands are guest-chosen, so only Xen's small command numbers get a
   * key of their own; the rest count under "op.other".
   */
  readonly commandCounts = new Map<string, number>();
  /** Per vCPU, once its request page is set up: what every handler call gets (made once, not per request). */
  private readonly contexts: (OpContext | undefined)[];
  private readonly offsets: { version: number; vcpu: number; op: number; ret: number };

  constructor(readonly domain: Domain) {
    this.contexts = domain.vcpus.map(() => undefined);
    const l = layoutOf(emuRequest, domain.arch);
    this.offsets = { version: l.offset('version'), vcpu: l.offset('vcpu'), op: l.offset('op'), ret: l.offset('ret') };
  }

  /** True for the ports this server answers. */
  static claims(port: number): boolean {
    return port >= EmuPort.BASE && port < EmuPort.BASE + EmuPort.COUNT;
  }

  /**
   * One port access from vCPU `vcpu`. For an `in` returns the value read;
   * for an `out` the result is 0 and the reply is in the request page.
   */
  handleIo(vcpu: number, port: number, size: number, isWrite: boolean, value: number): number {
    if (this.domain.ended || !this.domain.validVcpu(vcpu)) return FLOATING;
    if (size !== 4) {
      this.domain.crash(`emu port 0x${port.toString(16)} accessed with size ${size} (only 32-bit accesses exist)`);
      return FLOATING;
    }
    if (!isWrite) {
      if (port === EmuPort.MAGIC) return EMU_PORT_MAGIC_VALUE;
      if (port === EmuPort.VERSION) return EMU_PROTOCOL_VERSION;
      return FLOATING;
    }
    if (port === EmuPort.SETUP) this.setup(vcpu, value >>> 0);
    else if (port === EmuPort.CALL) this.call(vcpu, value >>> 0);
    return 0;
  }

  private setup(vcpu: number, frame: number): void {
    const d = this.domain;
    const addr = frame * PAGE_SIZE;
    if (!d.mem.contains(addr, PAGE_SIZE) || !d.frames.valid(frame)) {
      d.crash(`emu on vCPU ${vcpu} registered request page frame 0x${frame.toString(16)} outside guest memory`);
      return;
    }
    const version = d.mem.read32(addr + this.offsets.version);
    if (version >>> 16 !== EMU_PROTOCOL_MAJOR) {
      d.crash(`emu speaks emu-port protocol ${version >>> 16}.${version & 0xffff}, the host ${EMU_PROTOCOL_MAJOR}.x`);
      return;
    }
    this.contexts[vcpu] = { domain: d, vcpu: d.vcpus[vcpu]!, req: new EmuRequest(d.mem, d.arch, addr) };
    d.vcpus[vcpu]!.requestPage = addr;
    d.mem.write32(addr + this.offsets.vcpu, vcpu);
    d.mem.write64(addr + this.offsets.ret, 0n);
  }

  /** Serve one request: never throws. */
  call(vcpu: number, op: number): void {
    const d = this.domain;
    const ctx = this.contexts[vcpu];
    if (ctx === undefined) {
      d.crash(`emu on vCPU ${vcpu} made request 0x${op.toString(16)} before registering its request page`);
      return;
    }
    const handler = HANDLERS.get(op);
    const key = handler === undefined ? EmuPortServer.UNKNOWN_OP : op;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (handler !== undefined && op < 0x100) {
      const cmd = ctx.req.argU32(0);
      const ck = `${op}.${cmd < EmuPortServer.MAX_KEYED_COMMAND ? cmd : 'other'}`;
      this.commandCounts.set(ck, (this.commandCounts.get(ck) ?? 0) + 1);
    }
    let ret: number | bigint;
    try {
      ret = handler === undefined ? err('ENOSYS') : handler(ctx);
    } catch (e) {
      if (e instanceof GuestMemoryError) ret = err('EFAULT');
      else if (e instanceof GuestFault) {
        d.crash(e.message);
        ret = err('EINVAL');
      } else {
        // Our bug, not the guest's: stop this guest, keep the host (and its log) alive.
        d.crash(`internal error serving emu op 0x${op.toString(16)}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        ret = err('EIO');
      }
    }
    d.mem.write32(ctx.req.pageAddr + this.offsets.op, op);
    d.mem.write64(ctx.req.pageAddr + this.offsets.ret, BigInt.asUintN(64, BigInt(ret)));
  }
}
