/**
 * The tree a domU finds at boot when xl created it: its own directory
 * under /local/domain/<domid> (name, domid, vm, memory, cpu availability,
 * console, store, control, device, data, ...), the /vm entry, and domain
 * 0's directory with the backend side of its devices. Permissions follow
 * libxl: read-only to the guest where xl owns the value, writable where the
 * guest reports back (control/shutdown, data, device frontends, ...).
 */
import { domainPath } from './path.js';
import { PermBits, type Perm } from './perms.js';
import type { Xenstored } from './xenstored.js';

export interface InitialTreeConfig {
  readonly domid: number;
  readonly name: string;
  readonly uuid: string;
  readonly memoryKiB: number;
  readonly vcpus: number;
  readonly consoleRingMfn: number;
  readonly consoleEvtchn: number;
  readonly storeRingMfn: number;
  readonly storeEvtchn: number;
}

export function buildInitialTree(xs: Xenstored, c: InitialTreeConfig): void {
  const dom = domainPath(c.domid);
  // libxl's roperm: owned by dom0, readable by the guest; rwperm: owned by the guest.
  const ro: Perm[] = [{ id: 0, perm: PermBits.NONE }, { id: c.domid, perm: PermBits.READ }];
  const rw: Perm[] = [{ id: c.domid, perm: PermBits.NONE }];
  const w = (path: string, value: string, perms: Perm[] = ro): void => {
    xs.hostWrite(path, value);
    xs.hostSetPerms(path, perms);
  };
  const d = (path: string, perms: Perm[]): void => {
    xs.hostMkdir(path);
    xs.hostSetPerms(path, perms);
  };

  d('/local', [{ id: 0, perm: PermBits.READ }]);
  d('/local/domain', [{ id: 0, perm: PermBits.READ }]);
  d('/local/domain/0', [{ id: 0, perm: PermBits.READ }]);
  w('/local/domain/0/name', 'Domain-0', [{ id: 0, perm: PermBits.READ }]);
  w('/local/domain/0/domid', '0', [{ id: 0, perm: PermBits.READ }]);
  d('/local/domain/0/backend', [{ id: 0, perm: PermBits.READ }]);
  d(`/local/domain/0/backend/console`, [{ id: 0, perm: PermBits.READ }]);
  d(`/local/domain/0/backend/vbd`, [{ id: 0, perm: PermBits.READ }]);
  d(`/local/domain/0/backend/vif`, [{ id: 0, perm: PermBits.READ }]);

  const vm = `/vm/${c.uuid}`;
  d('/vm', [{ id: 0, perm: PermBits.NONE }]);
  d(vm, ro);
  w(`${vm}/name`, c.name);
  w(`${vm}/uuid`, c.uuid);

  d(dom, ro);
  w(`${dom}/name`, c.name);
  w(`${dom}/domid`, String(c.domid));
  w(`${dom}/vm`, vm);
  d(`${dom}/cpu`, ro);
  for (let i = 0; i < c.vcpus; i++) {
    d(`${dom}/cpu/${i}`, ro);
    w(`${dom}/cpu/${i}/availability`, 'online');
  }
  d(`${dom}/memory`, ro);
  w(`${dom}/memory/static-max`, String(c.memoryKiB));
  w(`${dom}/memory/target`, String(c.memoryKiB));
  w(`${dom}/memory/videoram`, '-1');

  d(`${dom}/store`, ro);
  w(`${dom}/store/port`, String(c.storeEvtchn));
  w(`${dom}/store/ring-ref`, String(c.storeRingMfn));

  d(`${dom}/console`, rw);
  w(`${dom}/console/port`, String(c.consoleEvtchn), rw);
  w(`${dom}/console/ring-ref`, String(c.consoleRingMfn), rw);
  w(`${dom}/console/type`, 'xenconsoled', rw);
  w(`${dom}/console/output`, 'pty', rw);
  w(`${dom}/console/limit`, '1048576', rw);
  w(`${dom}/console/tty`, '/dev/pts/0', rw);

  d(`${dom}/control`, ro);
  w(`${dom}/control/shutdown`, '', rw);
  w(`${dom}/control/sysrq`, '', rw);
  w(`${dom}/control/platform-feature-multiprocessor-suspend`, '1');
  w(`${dom}/control/platform-feature-xs_reset_watches`, '1');

  d(`${dom}/device`, ro);
  d(`${dom}/device/suspend`, ro);
  d(`${dom}/device/suspend/event-channel`, rw);
  for (const sub of ['data', 'drivers', 'feature', 'attr', 'error', 'device-misc']) d(`${dom}/${sub}`, rw);
  d(`${dom}/image`, ro);
}
