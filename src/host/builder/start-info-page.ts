/**
 * The start_info page (xen.h struct start_info) as Xen's builder fills it,
 * in the guest's word size: every frame number is a machine frame, every
 * address a guest virtual one (mod_start is a frame with SIF_MOD_START_PFN).
 */
import type { GuestArch } from '../../abi/layout.js';
import { layout } from '../../abi/layout.js';
import { MAX_GUEST_CMDLINE, START_INFO_MAGIC, startInfo } from '../../abi/xen/start-info.js';

export interface StartInfoFields {
  nrPages: number;
  /** Machine address of the shared_info page. */
  sharedInfo: bigint;
  flags: number;
  storeMfn: number;
  storeEvtchn: number;
  consoleMfn: number;
  consoleEvtchn: number;
  ptBase: bigint;
  nrPtFrames: number;
  mfnList: bigint;
  modStart?: bigint;
  modLen?: number;
  cmdline: string;
  /** INIT_P2M only: the frames holding the p2m list and its tables. */
  firstP2mPfn?: number;
  nrP2mFrames?: number;
}

export function startInfoPage(arch: GuestArch, f: StartInfoFields): Uint8Array {
  const l = layout(startInfo, arch);
  const page = new Uint8Array(4096);
  const dv = new DataView(page.buffer);
  const word = (field: string, v: bigint | number): void => {
    if (arch === 'x86_64') dv.setBigUint64(l.offset(field), BigInt(v), true);
    else dv.setUint32(l.offset(field), Number(BigInt.asUintN(32, BigInt(v))), true);
  };
  page.set(Buffer.from(START_INFO_MAGIC[arch], 'latin1'), l.offset('magic'));
  word('nr_pages', f.nrPages);
  word('shared_info', f.sharedInfo);
  dv.setUint32(l.offset('flags'), f.flags, true);
  word('store_mfn', f.storeMfn);
  dv.setUint32(l.offset('store_evtchn'), f.storeEvtchn, true);
  word('console.mfn', f.consoleMfn);
  dv.setUint32(l.offset('console.evtchn'), f.consoleEvtchn, true);
  word('pt_base', f.ptBase);
  word('nr_pt_frames', f.nrPtFrames);
  word('mfn_list', f.mfnList);
  if (f.modStart !== undefined) {
    word('mod_start', f.modStart);
    word('mod_len', f.modLen ?? 0);
  }
  // NUL-terminated, truncated as Xen truncates it.
  page.set(Buffer.from(f.cmdline, 'latin1').subarray(0, MAX_GUEST_CMDLINE - 1), l.offset('cmd_line'));
  if (f.firstP2mPfn !== undefined) {
    word('first_p2m_pfn', f.firstP2mPfn);
    word('nr_p2m_frames', f.nrP2mFrames ?? 0);
  }
  return page;
}
