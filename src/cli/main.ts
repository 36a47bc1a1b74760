#!/usr/bin/env node
// The `xenner` executable: everything is in program.ts so tests can drive it in-process.
import { main } from './program.js';

process.exitCode = await main(process.argv);
