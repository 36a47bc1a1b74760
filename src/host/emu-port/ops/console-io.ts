/**
 * HYPERVISOR_console_io forwarded by emu: arg0 = cmd, arg1 = count (at
 * most the data area; emu splits longer writes); data = the bytes. The
 * console ring is drained first so the two paths reach the sink in order.
 */
import { EMU_REQ_DATA_SIZE } from '../../../abi/emu-port.js';
import { ConsoleIo } from '../../../abi/xen/console.js';
import { err } from '../../common/errors.js';
import type { OpContext } from '../op-context.js';

export function consoleIo({ domain, req }: OpContext): number {
  const count = req.argU32(1);
  if (count < 0 || count > EMU_REQ_DATA_SIZE) return err('EINVAL');
  switch (req.argU32(0)) {
    case ConsoleIo.write: {
      const bytes = req.bytes(count)!;
      domain.console.service();
      domain.config.consoleOut?.(bytes);
      return count;
    }
    case ConsoleIo.read: {
      const bytes = domain.console.takeInput(count);
      req.setBytes(bytes);
      return bytes.length;
    }
    default:
      return err('EINVAL');
  }
}
