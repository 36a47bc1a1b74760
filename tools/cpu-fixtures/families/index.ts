/** Every instruction family, one fixture file each. */
import { alu } from './alu.js';
import { atomic } from './atomic.js';
import { bcd } from './bcd.js';
import { bits } from './bits.js';
import { bmi } from './bmi.js';
import { cond } from './cond.js';
import { control } from './control.js';
import { misc } from './misc.js';
import { move } from './move.js';
import type { Family } from './common.js';
import { muldiv } from './muldiv.js';
import { prefixes } from './prefixes.js';
import { realmode } from './realmode.js';
import { ring0 } from './ring0.js';
import { shift } from './shift.js';
import { stack } from './stack.js';
import { string } from './string.js';
import { unary } from './unary.js';
import { x87 } from './x87.js';
import { sse } from './sse.js';

export const FAMILIES: readonly Family[] = [alu, unary, shift, muldiv, bits, bmi, cond, move, string, atomic, bcd, stack, control, misc, prefixes, x87, sse, realmode, ring0];
