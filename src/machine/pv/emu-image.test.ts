import { describe, expect, it } from 'vitest';
import { EMU32, EMU64 } from '../../abi/emu-image.js';
import { loadEmuImage, parseEmuImage } from './emu-image.js';

describe('the committed emu images', () => {
  it('emu32 is linked at EMU32.BASE, serves 32-bit guests and fits below its mapping window', () => {
    const img = loadEmuImage('x86_32', EMU32.BASE);
    expect(img.entry).toBeGreaterThan(EMU32.BASE);
    expect(img.base + BigInt(img.pages * 4096)).toBeLessThanOrEqual(EMU32.MAPCACHE_PT);
  });

  it('an image is refused for the other word size', () => {
    const img32 = loadEmuImage('x86_32', EMU32.BASE);
    expect(() => parseEmuImage(img32.bytes, EMU32.BASE, 'x86_64')).toThrow(/serves 32-bit guests/);
    const img64 = loadEmuImage('x86_64', EMU64.BASE);
    expect(() => parseEmuImage(img64.bytes, EMU64.BASE, 'x86_32')).toThrow(/serves 64-bit guests/);
  });
});
