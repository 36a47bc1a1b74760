import { describe, expect, it } from 'vitest';
import { EMU_PORT_MAGIC_VALUE, EmuOp, EmuPort } from '../../src/abi/emu-port.js';
import { IoDirection, type VcpuExit } from '../../src/cpu/contract.js';
import { serveEmuIoExit } from '../../src/host/emu-port/io-exit.js';
import { makeHarness } from '../helpers/emu-guest.js';

function exit(direction: IoDirection, port: number, size: number, value = 0, count = 1): VcpuExit['io'] {
  const data = new Uint8Array(4096);
  for (let i = 0; i < size; i++) data[i] = (value >>> (8 * i)) & 0xff;
  return { direction, port, size, count, data };
}

describe('serving I/O exits', () => {
  it('completes an in from the MAGIC port into the exit data', () => {
    const h = makeHarness();
    const io = exit(IoDirection.In, EmuPort.MAGIC, 4);
    expect(serveEmuIoExit(h.server, 0, io)).toBe(true);
    expect(new DataView(io.data.buffer).getUint32(0, true)).toBe(EMU_PORT_MAGIC_VALUE);
  });

  it('turns an out to CALL into a served request', () => {
    const h = makeHarness();
    expect(serveEmuIoExit(h.server, 1, exit(IoDirection.Out, EmuPort.CALL, 4, EmuOp.BOOT_INFO))).toBe(true);
    expect(h.server.counts.get(EmuOp.BOOT_INFO)).toBe(1);
  });

  it('leaves other ports to the machine', () => {
    const h = makeHarness();
    expect(serveEmuIoExit(h.server, 0, exit(IoDirection.Out, 0x3f8, 1, 65))).toBe(false);
    expect(h.domain.ended).toBe(false);
  });

  it('crashes the domain for string I/O on the emu ports', () => {
    const h = makeHarness();
    expect(serveEmuIoExit(h.server, 0, exit(IoDirection.Out, EmuPort.CALL, 4, 0, 3))).toBe(true);
    expect(h.domain.ended).toBe(true);
  });
});
