/** emu's own requests: boot information, log lines, and giving up. */
import { EMU_PROTOCOL_VERSION, EmuBootFlag, emuBootInfo } from '../../../abi/emu-port.js';
import { PAGE_SIZE } from '../../../memory/guest-memory.js';
import { err } from '../../common/errors.js';
import { toSafe } from '../../common/struct-view.js';
import type { OpContext } from '../op-context.js';

export function bootInfo({ domain, req }: OpContext): number {
  const s = req.struct(emuBootInfo);
  const c = domain.config;
  s.setU32('version', EMU_PROTOCOL_VERSION);
  s.setU32('guest_bits', domain.arch === 'x86_64' ? 64 : 32);
  s.setU32('nr_vcpus', domain.vcpus.length);
  s.setU32('domid', domain.domid);
  const set = (f: string, v: number | bigint): void => s.setU64(f, BigInt(v));
  set('nr_pages', c.nrPages);
  set('total_frames', domain.frames.total);
  set('shared_info_mfn', domain.sharedInfoFrame);
  set('start_info_mfn', c.startInfoMfn);
  set('console_mfn', c.consoleMfn);
  set('console_evtchn', domain.consolePort);
  set('store_mfn', c.storeMfn);
  set('store_evtchn', domain.storePort);
  set('emu_mfn', c.emu.mfn);
  set('emu_nr_frames', c.emu.count);
  set('m2p_mfn', c.m2p.mfn);
  set('m2p_nr_frames', c.m2p.count);
  set('m2p_virt_start', c.m2p.virtStart);
  set('m2p_virt_end', c.m2p.virtEnd);
  set('tsc_hz', c.clock.tscHz);
  set('grant_mfn', c.grantFrames.mfn);
  set('grant_nr_frames', c.grantFrames.count);
  set('flags', domain.log.isLevelEnabled?.('debug') === true ? EmuBootFlag.DEBUG_LOG : 0);
  const b = c.emuBoot;
  if (b !== undefined) {
    set('frame_info_mfn', b.frameInfo.mfn);
    set('frame_info_nr_frames', b.frameInfo.count);
    set('kernel_entry', b.kernelEntry);
    set('kernel_sp', b.kernelSp);
    set('start_info_virt', b.startInfoVirt);
    set('top_mfn', b.topMfn);
    set('hypervisor_virt_start', b.hypervisorVirtStart);
  }
  return 0;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1').replace(/[^\x20-\x7e]/g, '?');

export function emuLog({ domain, vcpu, req }: OpContext): number {
  const bytes = req.bytes(req.argU32(0));
  if (bytes === undefined) return err('EINVAL');
  domain.log.info({ vcpu: vcpu.id }, `emu: ${text(bytes)}`);
  return 0;
}

export function emuCrash({ domain, vcpu, req }: OpContext): number {
  const bytes = req.bytes(req.argU32(1)) ?? new Uint8Array(0);
  domain.crash(`emu on vCPU ${vcpu.id} gave up (code ${req.arg(0)}): ${text(bytes)}`);
  return 0;
}

/** EMU_OP_EVTCHN_TABLE: the table must lie page-aligned inside emu's own frames. */
export function evtchnTable({ domain, req }: OpContext): number {
  const addr = toSafe(req.arg(0));
  const size = domain.evtchn.nrPorts * 4;
  const emu = domain.config.emu;
  const start = emu.mfn * PAGE_SIZE;
  const end = (emu.mfn + emu.count) * PAGE_SIZE;
  if (addr === undefined || addr % PAGE_SIZE !== 0 || addr < start || addr + size > end) return err('EINVAL');
  domain.evtchn.publishTo(addr);
  return 0;
}
