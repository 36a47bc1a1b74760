import { constants, struct, type StructDecl } from '../layout.js';

/** enum xsd_sockmsg_type (io/xs_wire.h). */
export const XsType = {
  CONTROL: 0,
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  INTRODUCE: 8,
  RELEASE: 9,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
} as const;

/** The errno names an XS_ERROR reply may carry (xsd_errors). */
export const XS_ERRORS = [
  'EINVAL', 'EACCES', 'EEXIST', 'EISDIR', 'ENOENT', 'ENOMEM', 'ENOSPC', 'EIO',
  'ENOTEMPTY', 'ENOSYS', 'EROFS', 'EBUSY', 'EAGAIN', 'EISCONN', 'E2BIG', 'EPERM',
] as const;
export type XsError = (typeof XS_ERRORS)[number];

export const XENSTORE_RING_SIZE = 1024;
export const XENSTORE_PAYLOAD_MAX = 4096;
export const XENSTORE_ABS_PATH_MAX = 3072;
export const XENSTORE_REL_PATH_MAX = 2048;
export const XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
export const XENSTORE_SERVER_FEATURE_ERROR = 2;
export const XenstoreConnection = { CONNECTED: 0, RECONNECT: 1 } as const;
export const XenstoreError = { NONE: 0, COMM: 1, RINGIDX: 2, PROTO: 3 } as const;

/** struct xsd_sockmsg: the 16-byte header before every payload. */
export const xsdSockmsg: StructDecl = struct('xsd_sockmsg', [
  { name: 'type', type: 'u32' },
  { name: 'req_id', type: 'u32' },
  { name: 'tx_id', type: 'u32' },
  { name: 'len', type: 'u32' },
], 'struct xsd_sockmsg');
export const XSD_SOCKMSG_SIZE = 16;

/** struct xenstore_domain_interface: the store ring page. */
export const xenstoreDomainInterface: StructDecl = struct('xenstore_domain_interface', [
  { name: 'req', type: 'u8', count: XENSTORE_RING_SIZE },
  { name: 'rsp', type: 'u8', count: XENSTORE_RING_SIZE },
  { name: 'req_cons', type: 'u32' },
  { name: 'req_prod', type: 'u32' },
  { name: 'rsp_cons', type: 'u32' },
  { name: 'rsp_prod', type: 'u32' },
  { name: 'server_features', type: 'u32' },
  { name: 'connection', type: 'u32' },
  { name: 'error', type: 'u32' },
], 'struct xenstore_domain_interface');

export const xsTypeConsts = constants('XS_', XsType);
