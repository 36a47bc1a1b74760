/**
 * Glue between a vCPU's port-I/O exit (src/cpu/contract.ts, shaped like
 * KVM's kvm_run.io) and the emu-port server: the machine's run loop calls
 * this for every I/O exit and handles the exit itself when it returns false.
 */
import { IoDirection, type VcpuExit } from '../../cpu/contract.js';
import { EmuPortServer } from './server.js';

/** Serve `io` if it is an emu-port access; true when it was. */
export function serveEmuIoExit(server: EmuPortServer, vcpu: number, io: VcpuExit['io']): boolean {
  if (!EmuPortServer.claims(io.port)) return false;
  if (io.count !== 1) {
    // emu never uses string I/O on its ports: treat it as the protocol violation it is.
    server.domain.crash(`string I/O (${io.count} x ${io.size} bytes) on emu port 0x${io.port.toString(16)}`);
    return true;
  }
  const d = io.data;
  if (io.direction === IoDirection.Out) {
    const value = io.size === 4 ? (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0 : io.size === 2 ? d[0]! | (d[1]! << 8) : d[0]!;
    server.handleIo(vcpu, io.port, io.size, true, value);
  } else {
    const value = server.handleIo(vcpu, io.port, io.size, false, 0);
    for (let i = 0; i < io.size; i++) d[i] = (value >>> (8 * i)) & 0xff;
  }
  return true;
}
