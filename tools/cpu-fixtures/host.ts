/** The host CPU the fixtures come from, as /proc/cpuinfo and the kernel describe it. */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { FixtureFile } from './format.js';

/** CPUID features that decide which cases are generated (recorded in each file). */
export const GATING_FEATURES = ['abm', 'adx', 'bmi1', 'bmi2', 'clflushopt', 'movbe', 'popcnt', 'rdrand', 'rdseed', 'rdtscp', 'sse4_2'] as const;

export interface HostCpu {
  info: FixtureFile['host'];
  features: Set<string>;
}

export function hostCpu(cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')): HostCpu {
  const first = cpuinfo.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string): string => {
    const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first);
    if (!m) throw new Error(`/proc/cpuinfo has no "${name}" field`);
    return m[1]!.trim();
  };
  const features = new Set(field('flags').split(/\s+/));
  return {
    info: {
      cpu: field('model name'),
      vendor: field('vendor_id'),
      family: Number(field('cpu family')),
      model: Number(field('model')),
      stepping: Number(field('stepping')),
      kernel: release(),
      features: GATING_FEATURES.filter((f) => features.has(f)),
    },
    features,
  };
}
