/**
 * The CPUID profiles: an Intel-like and an AMD-like CPU that advertise
 * exactly what this CPU implements (x87 and FXSAVE/FXRSTOR, no SSE yet;
 * BMI1/BMI2 yes). The
 * vendor decides which of VMCALL/VMMCALL is #UD and whether SYSENTER works
 * in long mode, as on real hardware. The VMM chooses one with setCpuid
 * (KVM_SET_CPUID2); the Intel one is the default.
 */
import type { CpuidEntry } from './contract.js';

function str4(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) | 0;
}

const bits = (...b: number[]): number => b.reduce((a, x) => a | (1 << x), 0) | 0;

export type CpuVendor = 'intel' | 'amd';

export function defaultCpuid(): CpuidEntry[] {
  return cpuidProfile('intel');
}

export function cpuidProfile(vendor: CpuVendor): CpuidEntry[] {
  const e = (fn: number, eax: number, ebx: number, ecx: number, edx: number): CpuidEntry =>
    ({ function: fn, index: 0, flags: 0, eax, ebx, ecx, edx });
  const brand = 'xenner software x86-64 CPU'.padEnd(48, '\0');
  const brandLeaf = (k: number): CpuidEntry => {
    const part = brand.slice(k * 16, k * 16 + 16);
    return e(0x80000002 + k, str4(part.slice(0, 4)), str4(part.slice(4, 8)), str4(part.slice(8, 12)), str4(part.slice(12, 16)));
  };
  // ECX: CX16, MOVBE, POPCNT, RDRAND. EDX: FPU PSE TSC MSR PAE CX8 SEP PGE CMOV PAT PSE36 CLFSH FXSR.
  const leaf1Ecx = bits(13, 22, 23, 30);
  const leaf1Edx = bits(0, 3, 4, 5, 6, 8, 11, 13, 15, 16, 17, 19, 24);
  const amd = vendor === 'amd';
  return [
    amd ? e(0, 7, str4('Auth'), str4('cAMD'), str4('enti')) : e(0, 7, str4('Genu'), str4('ntel'), str4('ineI')),
    // Intel: family 6, model 0x3c, stepping 3. AMD: family 0x17 (0xf + 8), model 1, stepping 2.
    e(1, amd ? 0x00800f12 : 0x000306c3, 8 << 8, leaf1Ecx, leaf1Edx),
    // EBX: BMI1, FDP_EXCPTN_ONLY, BMI2, FPU CS/DS deprecated, RDSEED, ADX, CLFLUSHOPT.
    { function: 7, index: 0, flags: 1, eax: 0, ebx: bits(3, 6, 8, 13, 18, 19, 23), ecx: 0, edx: 0 },
    e(0x80000000, 0x80000008, 0, 0, 0),
    // ECX: LAHF/SAHF in 64-bit mode, LZCNT. EDX: SYSCALL, NX, RDTSCP, LM.
    // AMD mirrors the leaf-1 EDX bits here (except CLFSH); neither profile advertises VMX or SVM.
    e(0x80000001, amd ? 0x00800f12 : 0, 0, bits(0, 5), amd ? (leaf1Edx & ~bits(19)) | bits(11, 20, 27, 29) : bits(11, 20, 27, 29)),
    brandLeaf(0), brandLeaf(1), brandLeaf(2),
    e(0x80000008, 0x3028, 0, 0, 0),
  ];
}
