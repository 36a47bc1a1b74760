/**
 * A running guest as the host sees it: its memory and frames, vCPUs,
 * event channels, grant table, console and xenstore backends, timers and
 * how it ended. It knows nothing of the CPU implementation: the machine's
 * run loop drives it through the emu port ({@link EmuPortServer}), asks
 * which vCPUs are runnable and when the next timer is due, calls
 * {@link Domain.tick} as time passes, and learns through
 * {@link DomainHooks} when a vCPU needs an event interrupt.
 */
import type { GuestArch } from '../../abi/layout.js';
import { Virq } from '../../abi/xen/event-channel.js';
import { ShutdownReason } from '../../abi/xen/sched.js';
import { sharedInfo, vcpuInfo, XEN_LEGACY_MAX_VCPUS } from '../../abi/xen/shared-info.js';
import { Runstate, vcpuRunstateInfo } from '../../abi/xen/vcpu.js';
import type { Logger } from '../../log/logger.js';
import { PAGE_SIZE, type GuestMemory } from '../../memory/guest-memory.js';
import { err } from '../common/errors.js';
import { layoutOf } from '../common/struct-view.js';
import { ConsoleBackend, type ConsoleSink } from '../console/console-backend.js';
import { EventChannels } from '../evtchn/event-channels.js';
import { GrantTable } from '../grant/grant-table.js';
import { systemTimeNs, type GuestClock } from '../time/clock.js';
import { timeScale, writeVcpuTime, writeWallclock, type TimeScale } from '../time/pvclock.js';
import { buildInitialTree } from '../xenstore/initial-tree.js';
import { XenstoreRing } from '../xenstore/ring-connection.js';
import { Xenstored } from '../xenstore/xenstored.js';
import { FrameMap, FrameOwner } from './frames.js';
import { HostVcpu } from './host-vcpu.js';
import { exitStatusFor, shutdownReasonName, type DomainEnd } from './shutdown.js';

/** A run of guest frames. */
export interface FrameRange {
  readonly mfn: number;
  readonly count: number;
}

export interface DomainConfig {
  readonly memory: GuestMemory;
  readonly arch: GuestArch;
  /** xl numbers the first guest 1. */
  readonly domid?: number;
  readonly name?: string;
  readonly uuid?: string;
  readonly vcpus: number;
  /** Frames [0, nrPages) are the guest's RAM (start_info.nr_pages). */
  readonly nrPages: number;
  /** Balloon ceiling (XENMEM_maximum_reservation); nrPages when absent. */
  readonly maxPages?: number;
  readonly sharedInfoMfn: number;
  readonly startInfoMfn: number;
  /** Guest RAM frames holding the console and xenstore rings. */
  readonly consoleMfn: number;
  readonly storeMfn: number;
  /** Host frames the grant table may use (their count is the table's maximum). */
  readonly grantFrames: FrameRange;
  /** emu's own frames and the M2P table, reserved for the host. */
  readonly emu: FrameRange;
  readonly m2p: FrameRange & { readonly virtStart: bigint; readonly virtEnd: bigint };
  readonly clock: GuestClock;
  readonly log: Logger;
  /** Where the guest's console goes; output is drained and dropped when absent. */
  readonly consoleOut?: ConsoleSink;
  /**
   * The periodic VIRQ_TIMER every vCPU starts with. Xen gives PV vCPUs a
   * 100 Hz ticker (PV_DEFAULT_PERIOD_NS) until the guest stops it with
   * VCPUOP_stop_periodic_timer, as Linux does at boot; HVM vCPUs have none.
   */
  readonly defaultPeriodicTimerNs?: bigint;
  /** What emu needs at start of day beyond the domain itself (EMU_OP_BOOT_INFO). */
  readonly emuBoot?: EmuBootConfig;
}

/** The guest kernel's start of day and emu's private frames, for EMU_OP_BOOT_INFO. */
export interface EmuBootConfig {
  /** emu's page-type table: one u32 per machine frame. */
  readonly frameInfo: FrameRange;
  readonly kernelEntry: bigint;
  readonly kernelSp: bigint;
  readonly startInfoVirt: bigint;
  /** Machine frame of the initial top-level page table. */
  readonly topMfn: number;
  readonly hypervisorVirtStart: bigint;
}

/** Xen's default periodic timer for PV vCPUs: 10 ms. */
export const PV_DEFAULT_PERIOD_NS = 10_000_000n;

/** What the domain needs from the machine that runs it. */
export interface DomainHooks {
  /** evtchn_upcall_pending was set on `vcpu`: inject EMU_EVENT_VECTOR when it can take it. */
  kick(vcpu: number): void;
  /** A vCPU went up (VCPUOP_up): start running it. */
  vcpuUp?(vcpu: number): void;
}

export class Domain {
  readonly domid: number;
  readonly name: string;
  readonly uuid: string;
  readonly arch: GuestArch;
  readonly mem: GuestMemory;
  readonly log: Logger;
  readonly clock: GuestClock;
  private readonly defaultPeriodNs: bigint | undefined;
  readonly scale: TimeScale;
  readonly frames: FrameMap;
  readonly maxPages: number;
  readonly vcpus: HostVcpu[];
  readonly evtchn: EventChannels;
  readonly grants: GrantTable;
  readonly console: ConsoleBackend;
  readonly consolePort: number;
  readonly xenstore: Xenstored;
  readonly store: XenstoreRing;
  readonly storePort: number;
  readonly config: DomainConfig;
  private sharedInfoMfn: number;
  /** The code latched by SCHEDOP_shutdown_code. */
  shutdownCode = 0;
  end: DomainEnd | undefined;
  /** The guest asked to yield since the run loop last looked. */
  yielded = false;
  hooks: DomainHooks = { kick: () => {} };

  constructor(cfg: DomainConfig) {
    this.config = cfg;
    this.mem = cfg.memory;
    this.arch = cfg.arch;
    this.domid = cfg.domid ?? 1;
    this.name = cfg.name ?? 'xenner-guest';
    this.uuid = cfg.uuid ?? '00000000-0000-4000-8000-000000000001';
    this.log = cfg.log;
    this.clock = cfg.clock;
    this.scale = timeScale(cfg.clock.tscHz);
    if (!Number.isInteger(cfg.vcpus) || cfg.vcpus < 1 || cfg.vcpus > XEN_LEGACY_MAX_VCPUS) {
      throw new RangeError(`vcpus must be 1..${XEN_LEGACY_MAX_VCPUS}: ${cfg.vcpus}`);
    }
    this.frames = new FrameMap(cfg.memory, cfg.nrPages);
    this.maxPages = cfg.maxPages ?? cfg.nrPages;
    this.frames.reserve(cfg.sharedInfoMfn, 1);
    this.frames.reserve(cfg.grantFrames.mfn, cfg.grantFrames.count);
    this.frames.reserve(cfg.emu.mfn, cfg.emu.count);
    this.frames.reserve(cfg.m2p.mfn, cfg.m2p.count);
    for (const f of [cfg.startInfoMfn, cfg.consoleMfn, cfg.storeMfn]) {
      if (!this.frames.valid(f)) throw new RangeError(`frame ${f} is outside guest memory`);
    }
    this.sharedInfoMfn = cfg.sharedInfoMfn;
    this.mem.fill(this.sharedInfoAddr(), PAGE_SIZE, 0);
    // Every vCPU starts with event delivery masked, as Xen creates them: a
    // kernel unmasks when it is ready for upcalls.
    const vi = layoutOf(vcpuInfo, this.arch);
    for (let i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) this.mem.write8(this.sharedInfoAddr() + i * vi.size + vi.offset('evtchn_upcall_mask'), 1);

    const viSize = layoutOf(vcpuInfo, this.arch).size;
    const viBase = this.sharedInfoAddr() + layoutOf(sharedInfo, this.arch).offset('vcpu_info');
    this.vcpus = Array.from({ length: cfg.vcpus }, (_, i) => new HostVcpu(i, viBase + i * viSize));
    this.defaultPeriodNs = cfg.defaultPeriodicTimerNs;
    for (const v of this.vcpus) if (v.up) this.startDefaultTimer(v);

    this.evtchn = new EventChannels(this.domid, this.arch, this.mem, {
      vcpuCount: cfg.vcpus,
      sharedInfoAddr: () => this.sharedInfoAddr(),
      vcpuInfoAddr: (v) => this.vcpus[v]!.vcpuInfoAddr,
      kick: (v) => this.kick(v),
      portPending: (p) => this.portPending(p),
    });
    this.grants = new GrantTable(
      this.mem,
      Array.from({ length: cfg.grantFrames.count }, (_, i) => cfg.grantFrames.mfn + i),
      (f) => this.frames.isRam(f),
    );

    // The console's channel is port 1 and the store's port 2: the pv machine
    // writes these into start_info (libxl happens to allocate the other way round).
    this.console = new ConsoleBackend(this.mem, this.arch, cfg.consoleMfn * PAGE_SIZE, cfg.consoleOut, this.log);
    this.consolePort = this.mustPort(this.evtchn.connectBackend(this.console), 'console');
    this.console.channel = { notifyGuest: () => this.evtchn.notifyFromBackend(this.consolePort, this.console) };

    this.xenstore = new Xenstored(undefined, this.log);
    this.store = new XenstoreRing(this.mem, this.arch, cfg.storeMfn * PAGE_SIZE, this.xenstore, this.domid, this.log);
    this.store.initRing();
    this.storePort = this.mustPort(this.evtchn.connectBackend(this.store), 'xenstore');
    this.store.notifyGuest = () => void this.evtchn.notifyFromBackend(this.storePort, this.store);
    buildInitialTree(this.xenstore, {
      domid: this.domid,
      name: this.name,
      uuid: this.uuid,
      memoryKiB: cfg.nrPages * (PAGE_SIZE / 1024),
      vcpus: cfg.vcpus,
      consoleRingMfn: cfg.consoleMfn,
      consoleEvtchn: this.consolePort,
      storeRingMfn: cfg.storeMfn,
      storeEvtchn: this.storePort,
    });

    const now = this.now();
    writeWallclock(this.mem, this.arch, this.sharedInfoAddr(), this.clock);
    for (const v of this.vcpus) {
      v.runstateEntry = now;
      this.updateTime(v);
    }
  }

  private mustPort(p: number, what: string): number {
    if (p < 0) throw new Error(`cannot allocate the ${what} event channel (${p})`);
    return p;
  }

  sharedInfoAddr(): number {
    return this.sharedInfoMfn * PAGE_SIZE;
  }
  get sharedInfoFrame(): number {
    return this.sharedInfoMfn;
  }

  /** Guest system time now, ns. */
  /** Arm the default periodic timer of a vCPU that starts running. */
  private startDefaultTimer(v: HostVcpu): void {
    if (this.defaultPeriodNs !== undefined) v.timers.setPeriodic(this.defaultPeriodNs, this.now());
  }

  now(): bigint {
    return systemTimeNs(this.clock);
  }

  get ended(): boolean {
    return this.end !== undefined;
  }

  /** The exit status for `xenner run`, once the domain ended. */
  get exitStatus(): number | undefined {
    return this.end === undefined ? undefined : exitStatusFor(this.end.reason);
  }

  validVcpu(v: number): boolean {
    return Number.isInteger(v) && v >= 0 && v < this.vcpus.length;
  }

  isRunnable(v: number): boolean {
    return !this.ended && this.validVcpu(v) && this.vcpus[v]!.runnable;
  }

  // ---- events and blocking ----------------------------------------------

  private kick(v: number): void {
    const vcpu = this.vcpus[v];
    if (vcpu === undefined) return;
    if (vcpu.blocked) this.wake(vcpu);
    this.hooks.kick(v);
  }

  private portPending(port: number): void {
    for (const v of this.vcpus) if (v.blocked && v.polling && (v.pollPort === undefined || v.pollPort === port)) this.wake(v);
  }

  wake(v: HostVcpu): void {
    v.blocked = false;
    v.polling = false;
    v.pollPort = undefined;
    v.pollDeadline = undefined;
    const now = this.now();
    v.enterRunstate(Runstate.running, now);
    this.writeRunstate(v);
    this.updateTime(v);
  }

  private block(v: HostVcpu, poll: { port: number | undefined } | undefined, deadline: bigint | undefined): void {
    v.blocked = true;
    v.polling = poll !== undefined;
    v.pollPort = poll?.port;
    v.pollDeadline = deadline;
    v.enterRunstate(Runstate.blocked, this.now());
    this.writeRunstate(v);
  }

  /** Events are pending for delivery on `v` (upcall pending and not masked). */
  private eventsNeedDelivery(v: HostVcpu): boolean {
    const bits = this.evtchn.pendingBits;
    return bits.upcallPending(v.vcpuInfoAddr) && !bits.upcallMasked(v.vcpuInfoAddr);
  }

  /** SCHEDOP_block: enable event delivery, then sleep until an event arrives. */
  schedBlock(v: HostVcpu): void {
    this.evtchn.pendingBits.setUpcallMask(v.vcpuInfoAddr, false);
    if (!this.eventsNeedDelivery(v)) this.block(v, undefined, undefined);
  }

  /**
   * SCHEDOP_poll (at most SCHED_POLL_MAX_PORTS ports, checked by the
   * caller); timeout is absolute system time, 0 for none. In Xen's order
   * (do_poll): events awaiting delivery end it at once, before any port is
   * looked at; then each port in turn must be in the table (-EINVAL) and
   * ends it if pending, so a pending port ahead of a bad one wins. Returns
   * 0 or a negative errno.
   */
  schedPoll(v: HostVcpu, ports: readonly number[], timeout: bigint): number {
    if (this.eventsNeedDelivery(v)) return 0;
    for (const p of ports) {
      if (!this.evtchn.isValid(p)) return err('EINVAL');
      if (this.evtchn.isPending(p)) return 0;
    }
    // A timeout already past: Xen's timer fires at once.
    if (timeout !== 0n && timeout <= this.now()) return 0;
    this.block(v, { port: ports.length === 1 ? ports[0] : undefined }, timeout === 0n ? undefined : timeout);
    return 0;
  }

  vcpuUp(v: HostVcpu): void {
    v.up = true;
    this.startDefaultTimer(v);
    v.enterRunstate(Runstate.running, this.now());
    this.writeRunstate(v);
    this.updateTime(v);
    this.hooks.vcpuUp?.(v.id);
  }

  vcpuDown(v: HostVcpu): void {
    v.up = false;
    v.blocked = false;
    v.enterRunstate(Runstate.offline, this.now());
    this.writeRunstate(v);
  }

  // ---- time ----------------------------------------------------------------

  /** Refresh a vCPU's pvclock records (vcpu_info.time and the secondary area). */
  updateTime(v: HostVcpu): void {
    const tsc = this.clock.tsc();
    const timeOff = layoutOf(vcpuInfo, this.arch).offset('time');
    writeVcpuTime(this.mem, this.arch, v.vcpuInfoAddr + timeOff, this.clock, this.scale, tsc);
    if (v.timeAreaAddr !== undefined) writeVcpuTime(this.mem, this.arch, v.timeAreaAddr, this.clock, this.scale, tsc);
  }

  writeRunstate(v: HostVcpu): void {
    if (v.runstateAddr === undefined) return;
    const l = layoutOf(vcpuRunstateInfo, this.arch);
    const a = v.runstateAddr;
    const now = this.now();
    this.mem.write32(a + l.offset('state'), v.runstate);
    this.mem.write64(a + l.offset('state_entry_time'), v.runstateEntry);
    for (let i = 0; i < 4; i++) {
      const t = v.runstateTime[i]! + (i === v.runstate ? now - v.runstateEntry : 0n);
      this.mem.write64(a + l.offset('time') + 8 * i, t);
    }
  }

  /** The earliest system time at which {@link tick} has something to do. */
  nextDeadline(): bigint | undefined {
    let d: bigint | undefined;
    for (const v of this.vcpus) {
      if (!v.up) continue;
      const t = v.nextDeadline();
      if (t !== undefined && (d === undefined || t < d)) d = t;
    }
    return d;
  }

  /**
   * Let time pass: fire due timers (VIRQ_TIMER), end polls that timed out,
   * and service the console and xenstore rings (so output drains even when
   * the guest never notifies). Call it from the run loop between slices.
   */
  tick(): void {
    if (this.ended) return;
    const now = this.now();
    for (const v of this.vcpus) {
      if (!v.up) continue;
      if (v.timers.fire(now) > 0) this.evtchn.sendVirq(Virq.TIMER, v.id);
      if (v.blocked && v.pollDeadline !== undefined && v.pollDeadline <= now) this.wake(v);
    }
    this.console.service();
    this.store.service();
  }

  // ---- the end ----------------------------------------------------------

  shutdown(reason: ShutdownReason): void {
    if (this.ended) return;
    this.console.service();
    const description = shutdownReasonName(reason);
    this.end = { reason, code: this.shutdownCode, description };
    this.log.info({ domid: this.domid, reason: description, code: this.shutdownCode }, `domain ${this.domid} shut down: ${description}`);
  }

  /** The host (or emu) crashes the domain for a fatal fault. */
  crash(why: string): void {
    if (this.ended) return;
    this.console.service();
    this.end = { reason: ShutdownReason.crash, code: 0, description: `crashed: ${why}` };
    this.log.error({ domid: this.domid }, `domain ${this.domid} crashed: ${why}`);
  }

  // ---- memory -------------------------------------------------------------

  /** Move shared_info to another frame (XENMEM_add_to_physmap, XENMAPSPACE_shared_info). */
  relocateSharedInfo(mfn: number): boolean {
    const owner = this.frames.ownerOf(mfn);
    if (owner === undefined || owner === FrameOwner.Host) return false;
    const old = this.sharedInfoAddr();
    const bytes = this.mem.readBytes(old, PAGE_SIZE);
    this.frames.reserve(mfn, 1);
    this.mem.writeBytes(mfn * PAGE_SIZE, bytes);
    const viOff = layoutOf(sharedInfo, this.arch).offset('vcpu_info');
    const viSize = layoutOf(vcpuInfo, this.arch).size;
    for (const v of this.vcpus) if (!v.vcpuInfoRegistered) v.vcpuInfoAddr = mfn * PAGE_SIZE + viOff + v.id * viSize;
    this.sharedInfoMfn = mfn;
    return true;
  }
}
