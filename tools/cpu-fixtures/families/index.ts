/** Every instruction family, one fixture file each. */
import { alu } from './alu.js';
import { bits } from './bits.js';
import { bmi } from './bmi.js';
import { cond } from './cond.js';
import type { Family } from './common.js';
import { muldiv } from './muldiv.js';
import { shift } from './shift.js';
import { unary } from './unary.js';

export const FAMILIES: readonly Family[] = [alu, unary, shift, muldiv, bits, bmi, cond];
