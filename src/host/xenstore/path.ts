/**
 * Xenstore paths: what a path may contain, how a relative path becomes
 * absolute (relative to the connection's /local/domain/<domid>), and the
 * tree relations watches and permissions need.
 */
import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX } from '../../abi/xen/xs-wire.js';

const VALID = /^[A-Za-z0-9\-/_@]*$/;

/** The special watch paths (not nodes). */
export const SPECIAL_WATCH_PATHS: ReadonlySet<string> = new Set(['@introduceDomain', '@releaseDomain']);

export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

/**
 * The absolute form of a path a client sent, or undefined when it is not a
 * valid path (xenstored answers EINVAL).
 */
export function canonicalize(path: string, domid: number): string | undefined {
  if (path.length === 0 || !VALID.test(path)) return undefined;
  let abs: string;
  if (path.startsWith('/')) {
    if (path.length > XENSTORE_ABS_PATH_MAX) return undefined;
    abs = path;
  } else {
    // '@' may appear in node names, but a leading one names a special watch path.
    if (path.length > XENSTORE_REL_PATH_MAX || path.startsWith('@')) return undefined;
    abs = `${domainPath(domid)}/${path}`;
  }
  if (abs.includes('//')) return undefined;
  if (abs.length > 1 && abs.endsWith('/')) return undefined;
  if (abs.length > XENSTORE_ABS_PATH_MAX) return undefined;
  if (domid !== 0 && abs.length - domainPrefixLength(abs) > XENSTORE_REL_PATH_MAX) return undefined;
  return abs;
}

const DOMAIN_PREFIX = /^\/local\/domain\/\d{1,5}\//;

/**
 * xenstored's path-length quota for guests counts what lies below
 * "/local/domain/<n>/" (any n), or the whole path elsewhere: the length of
 * that prefix, or 0.
 */
function domainPrefixLength(abs: string): number {
  return DOMAIN_PREFIX.exec(abs)?.[0].length ?? 0;
}

/** A watch path: a node path or one of the special @ paths. */
export function canonicalizeWatch(path: string, domid: number): string | undefined {
  if (SPECIAL_WATCH_PATHS.has(path)) return path;
  return canonicalize(path, domid);
}

export function parentOf(path: string): string {
  if (path === '/') return '/';
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** True when `path` is `ancestor` or lies below it. */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === '/') return path.startsWith('/');
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/** The path as the client named it: relative paths come back relative. */
export function relativeTo(absPath: string, domid: number): string {
  const prefix = `${domainPath(domid)}/`;
  return absPath.startsWith(prefix) ? absPath.slice(prefix.length) : absPath;
}
