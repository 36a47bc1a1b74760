import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../memory/guest-memory.js';
import { ExitReason } from './contract.js';
import { createTestCpu } from './testing.js';

/**
 * An instruction whose bytes cross a page boundary right after a prefix,
 * REX, escape byte or opcode must be fetched from both pages, not reported
 * too long (#UD): the system kernels hit this with REX.W + opcode at the
 * last two bytes of a page.
 */
describe('instructions straddling a page boundary', () => {
  const cases: [string, number[]][] = [
    ['REX.W | 8B 04 25 disp32 (mov rax, [abs])', [0x48, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x50, 0x00]],
    ['66 | 8B 04 25 disp32 (mov ax, [abs])', [0x66, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x50, 0x00]],
    ['0F | B7 04 25 disp32 (movzx eax, word [abs])', [0x0f, 0xb7, 0x04, 0x25, 0x00, 0x10, 0x50, 0x00]],
    ['8B | 04 25 disp32 (mov eax, [abs])', [0x8b, 0x04, 0x25, 0x00, 0x10, 0x50, 0x00]],
  ];
  for (const [name, bytes] of cases) {
    for (let cut = 1; cut < bytes.length; cut++) {
      it(`${name}, ${cut} byte(s) on the first page`, () => {
        const memory = new GuestMemory(16 << 20);
        const t = createTestCpu({ mode: 64, memory });
        const at = 0x402000 - cut;
        memory.writeBytes(at, Uint8Array.from([...bytes, 0xf4]));
        memory.write32(0x501000, 0x1234);
        t.setRegs({ rip: BigInt(at), rsp: 0x800000n, rax: 0n });
        const r = t.run(10);
        expect(r.exception).toBeUndefined();
        expect(r.reason).toBe(ExitReason.Hlt);
        expect(t.get('rax')).toBe(0x1234n);
      });
    }
  }
});
