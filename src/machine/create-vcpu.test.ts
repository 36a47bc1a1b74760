import { describe, expect, it } from 'vitest';
import { UserError } from '../cli/user-error.js';
import { silentLogger } from '../log/logger.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { createVcpu } from './create-vcpu.js';

describe('createVcpu', () => {
  // When the software CPU is linked in, this test goes with the stub it tests.
  it('without a CPU backend, fails with a clear user error', () => {
    expect(() => createVcpu({ memory: new GuestMemory(4096), cpuProfile: 'intel', logger: silentLogger() })).toThrow(UserError);
    expect(() => createVcpu({ memory: new GuestMemory(4096), cpuProfile: 'intel', logger: silentLogger() })).toThrow(/no CPU backend/);
  });
});
