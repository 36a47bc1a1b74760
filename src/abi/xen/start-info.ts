import { constants, struct, type StructDecl } from '../layout.js';

/** Longest guest command line start_info carries, NUL included (MAX_GUEST_CMDLINE). */
export const MAX_GUEST_CMDLINE = 1024;

/** start_info.flags (xen.h SIF_*). */
export const SIF = {
  PRIVILEGED: 1 << 0,
  INITDOMAIN: 1 << 1,
  MULTIBOOT_MOD: 1 << 2,
  MOD_START_PFN: 1 << 3,
  VIRT_P2M_4TOOLS: 1 << 4,
  PM_MASK: 0xff << 8,
} as const;

/** start_info.magic: "xen-<version>-<platform>". */
export const START_INFO_MAGIC = {
  x86_64: 'xen-3.0-x86_64',
  x86_32: 'xen-3.0-x86_32p',
} as const;

/** struct start_info (xen.h), the domU view of the console union. */
export const startInfo: StructDecl = struct('start_info', [
  { name: 'magic', type: 'u8', count: 32 },
  { name: 'nr_pages', type: 'ulong' },
  { name: 'shared_info', type: 'ulong' },
  { name: 'flags', type: 'u32' },
  { name: 'store_mfn', type: 'ulong' },
  { name: 'store_evtchn', type: 'u32' },
  {
    name: 'console',
    cPath: 'console.domU',
    type: struct('console', [
      { name: 'mfn', type: 'ulong' },
      { name: 'evtchn', type: 'u32' },
    ]),
  },
  { name: 'pt_base', type: 'ulong' },
  { name: 'nr_pt_frames', type: 'ulong' },
  { name: 'mfn_list', type: 'ulong' },
  { name: 'mod_start', type: 'ulong' },
  { name: 'mod_len', type: 'ulong' },
  { name: 'cmd_line', type: 'u8', count: MAX_GUEST_CMDLINE },
  { name: 'first_p2m_pfn', type: 'ulong' },
  { name: 'nr_p2m_frames', type: 'ulong' },
], 'struct start_info');

export const sifConsts = constants('SIF_', SIF, 'xen/xen.h');
