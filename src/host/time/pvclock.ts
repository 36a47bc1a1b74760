/**
 * The pvclock records Xen keeps in guest memory: vcpu_time_info (per vCPU,
 * inside vcpu_info and in an optional secondary area) and the wallclock in
 * shared_info. Both use the version protocol: the writer makes `version`
 * odd, updates the fields, then makes it even again; a reader retries while
 * the version is odd or changed under it.
 */
import type { GuestArch } from '../../abi/layout.js';
import { PvclockFlags, sharedInfo, vcpuTimeInfo } from '../../abi/xen/shared-info.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { layoutOf } from '../common/struct-view.js';
import { tscToNs, type GuestClock } from './clock.js';

/** tsc_to_system_mul and tsc_shift: ns = ((tsc << shift) * mul) >> 32, a negative shift shifting right. */
export interface TimeScale {
  readonly mul: number;
  readonly shift: number;
}

/** Xen's set_time_scale: the scale that turns ticks at `hz` into nanoseconds. */
export function timeScale(hz: number): TimeScale {
  if (!Number.isSafeInteger(hz) || hz <= 0) throw new RangeError(`bad frequency ${hz}`);
  let tps = BigInt(hz);
  let shift = 0;
  while (tps > 2_000_000_000n) {
    tps >>= 1n;
    shift--;
  }
  while (tps <= 1_000_000_000n) {
    tps <<= 1n;
    shift++;
  }
  const mul = Number((1_000_000_000n << 32n) / tps);
  return { mul, shift };
}

/** What a guest computes from a pvclock record: for tests and for checking our own records. */
export function pvclockRead(scale: TimeScale, tscTimestamp: bigint, systemTime: bigint, tsc: bigint): bigint {
  let delta = BigInt.asUintN(64, tsc - tscTimestamp);
  delta = scale.shift < 0 ? delta >> BigInt(-scale.shift) : BigInt.asUintN(64, delta << BigInt(scale.shift));
  return systemTime + ((delta * BigInt(scale.mul)) >> 32n);
}

/** Write one vcpu_time_info at `addr` for the TSC reading `tsc`. */
export function writeVcpuTime(mem: GuestMemory, arch: GuestArch, addr: number, clock: GuestClock, scale: TimeScale, tsc: bigint): void {
  const l = layoutOf(vcpuTimeInfo, arch);
  mem.check(addr, l.size);
  const versionAddr = addr + l.offset('version');
  // Make the version odd (update in progress) whatever the guest left there.
  const v = mem.read32(versionAddr);
  const odd = (v | 1) >>> 0;
  mem.write32(versionAddr, odd);
  mem.write64(addr + l.offset('tsc_timestamp'), tsc);
  mem.write64(addr + l.offset('system_time'), tscToNs(clock, tsc));
  mem.write32(addr + l.offset('tsc_to_system_mul'), scale.mul);
  mem.write8(addr + l.offset('tsc_shift'), scale.shift & 0xff);
  mem.write8(addr + l.offset('flags'), PvclockFlags.TSC_STABLE_BIT);
  mem.write32(versionAddr, (odd + 1) >>> 0);
}

/** Write the wallclock (the time of day at system time 0) into shared_info at `sharedInfoAddr`. */
export function writeWallclock(mem: GuestMemory, arch: GuestArch, sharedInfoAddr: number, clock: GuestClock): void {
  const l = layoutOf(sharedInfo, arch);
  mem.check(sharedInfoAddr, l.size);
  const versionAddr = sharedInfoAddr + l.offset('wc_version');
  const odd = (mem.read32(versionAddr) | 1) >>> 0;
  mem.write32(versionAddr, odd);
  const sec = clock.bootWallclockNs / 1_000_000_000n;
  const nsec = Number(clock.bootWallclockNs % 1_000_000_000n);
  mem.write32(sharedInfoAddr + l.offset('wc_sec'), Number(BigInt.asUintN(32, sec)));
  mem.write32(sharedInfoAddr + l.offset('wc_nsec'), nsec);
  const hiField = arch === 'x86_64' ? 'wc_sec_hi' : 'arch.wc_sec_hi';
  mem.write32(sharedInfoAddr + l.offset(hiField), Number(BigInt.asUintN(32, sec >> 32n)));
  mem.write32(versionAddr, (odd + 1) >>> 0);
}
