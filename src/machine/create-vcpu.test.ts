import { describe, expect, it } from 'vitest';
import { Cpu } from '../cpu/cpu.js';
import { silentLogger } from '../log/logger.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { createVcpu } from './create-vcpu.js';

function vendorOf(cpu: Cpu): string {
  const out = new Int32Array(4);
  cpu.cpuidQuery(0, 0, out);
  const b = Buffer.alloc(12);
  b.writeInt32LE(out[1]!, 0); b.writeInt32LE(out[3]!, 4); b.writeInt32LE(out[2]!, 8);
  return b.toString('latin1');
}

describe('createVcpu', () => {
  it('builds the software CPU with the chosen CPUID profile', () => {
    const intel = createVcpu({ memory: new GuestMemory(1 << 20), cpuProfile: 'intel', logger: silentLogger() });
    const amd = createVcpu({ memory: new GuestMemory(1 << 20), cpuProfile: 'amd', logger: silentLogger() });
    expect(intel).toBeInstanceOf(Cpu);
    expect(vendorOf(intel as Cpu)).toBe('GenuineIntel');
    expect(vendorOf(amd as Cpu)).toBe('AuthenticAMD');
  });
});
