/**
 * Control transfer: call/jmp rel, register and memory indirect, ret and ret
 * imm16, far call/jmp/ret through memory pointers with the recorded CS
 * (m16:32, and m16:64 in 64-bit code), direct far call/jmp (32-bit only),
 * the operand-size prefix on 64-bit near branches, the exceptions user code can
 * raise on purpose (int3, into, bound, ud0/ud1/ud2, int1), and #GP from
 * privileged instructions at CPL 3.
 */
import { DATA_PTR, dataBase } from '../layout.js';
import { Case, type CaseSpec } from '../spec.js';
import { type Family, type GenContext, OF } from './common.js';

export const control: Family = {
  name: 'control',
  covers: 'call jmp ret (near rel/indirect, ret imm16, far via memory and direct) int3 into bound ud0 ud1 ud2 int1',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    const ax = { 64: 'rax', 32: 'eax', 16: 'ax' }[mode];
    const bx = { 64: 'rbx', 32: 'ebx', 16: 'bx' }[mode];
    const W = { 64: 'qword', 32: 'dword', 16: 'word' }[mode];
    const ptr = BigInt(DATA_PTR - dataBase(mode));
    const add = (name: string, asm: string): void => {
      out.push(new Case(mode, name, asm).flags(rng.status()).spec());
    };
    add('call rel32', 'call .f\n.f:');
    add('call rel32 + ret', 'call .f\njmp .end\n.f:\nret\n.end:');
    add('call + ret imm16', 'call .f\njmp .end\n.f:\nret 0x10\n.end:');
    add(`call r${mode}`, `mov eax, CODE(.f)\ncall ${ax}\n.f:`);
    add('jmp rel8', 'jmp short .t\nmov eax, 1\n.t:');
    add('jmp rel32', 'jmp near .t\nmov eax, 1\ntimes 20 nop\n.t:');
    add(`jmp r${mode}`, `mov eax, CODE(.t)\njmp ${ax}\nmov eax, 1\n.t:`);
    // indirect through memory: the snippet stores the target address first
    out.push(new Case(mode, `call m${mode}`, `mov ${mode === 16 ? 'word' : 'dword'} [${bx}], CODE(.f)\ncall ${W} [${bx}]\n.f:`).set(bx, ptr).store(DATA_PTR + 4, 0n, 4).spec());
    out.push(new Case(mode, `jmp m${mode}`, `mov ${mode === 16 ? 'word' : 'dword'} [${bx}], CODE(.t)\njmp ${W} [${bx}]\nmov eax, 1\n.t:`).set(bx, ptr).store(DATA_PTR + 4, 0n, 4).spec());
    // far transfers depend on descriptors; 16-bit cases are replayed in real mode: none there
    if (mode !== 16) {
      // far transfers: the pointer's selector is the running CS. The m16:32
      // forms are spelled in bytes because NASM adds REX.W to them in 64-bit code.
      const farCall = mode === 64 ? 'db 0xff, 0x1b' : 'call far [ebx]';
      const farJmp = mode === 64 ? 'db 0xff, 0x2b' : 'jmp far [ebx]';
      out.push(new Case(mode, 'call far m16:32 + retf', `mov dword [${bx}], CODE(.f)\nmov [${bx}+4], cs\n${farCall}\njmp .end\n.f:\nretf\n.end:`).set(bx, BigInt(DATA_PTR)).spec());
      out.push(new Case(mode, 'jmp far m16:32', `mov dword [${bx}], CODE(.t)\nmov [${bx}+4], cs\n${farJmp}\nmov eax, 1\n.t:`).set(bx, BigInt(DATA_PTR)).spec());
      out.push(new Case(mode, 'call far + retf imm16', `mov dword [${bx}], CODE(.f)\nmov [${bx}+4], cs\n${farCall}\njmp .end\n.f:\nretf 8\n.end:`).set(bx, BigInt(DATA_PTR)).spec());
      if (mode === 64) {
        out.push(new Case(mode, 'call far m16:64 (REX.W) + retfq', `mov qword [rbx], CODE(.f)\nmov [rbx+8], cs\ncall far [rbx]\njmp .end\n.f:\nretfq\n.end:`).set('rbx', BigInt(DATA_PTR)).spec());
        out.push(new Case(mode, 'jmp far m16:64 (REX.W)', `mov qword [rbx], CODE(.t)\nmov [rbx+8], cs\njmp far [rbx]\nmov eax, 1\n.t:`).set('rbx', BigInt(DATA_PTR)).spec());
        // the selector read as the top of a 64-bit offset makes it non-canonical
        out.push(new Case(mode, 'jmp far m16:64, non-canonical offset (#GP)', `mov dword [rbx], CODE(.t)\nmov [rbx+4], cs\njmp far [rbx]\n.t:`).set('rbx', BigInt(DATA_PTR)).store(DATA_PTR + 6, 0x1234n, 2).spec());
        out.push(new Case(mode, 'call far ptr16:32 (#UD in 64-bit)', 'db 0x9a, 0, 0, 0, 0, 0x33, 0').spec());
        out.push(new Case(mode, 'jmp far ptr16:32 (#UD in 64-bit)', 'db 0xea, 0, 0, 0, 0, 0x33, 0').spec());
      } else {
        out.push(new Case(mode, 'call far ptr16:32 + retf', 'call 0x23:CODE(.f)\njmp .end\n.f:\nretf\n.end:').spec());
        out.push(new Case(mode, 'jmp far ptr16:32', 'jmp 0x23:CODE(.t)\nmov eax, 1\n.t:').spec());
      }
    }
    if (mode === 64) {
      // Intel ignores an operand-size prefix on near branches in 64-bit code (AMD honours it)
      add('o16 call rel32 (Intel: 64-bit)', 'db 0x66\ncall .f\n.f:');
      add('o16 ret (Intel: 64-bit)', 'call .f\njmp .end\n.f:\ndb 0x66\nret\n.end:');
      add('o16 jmp rel32 (Intel: 64-bit)', 'db 0x66\njmp near .t\nmov eax, 1\n.t:');
      add('o16 jcc rel32 (Intel: 64-bit)', 'xor eax, eax\ndb 0x66\njz near .t\nmov eax, 1\n.t:');
    }
    if (mode !== 16) {
      // privileged at CPL 3 with IOPL 0 and no I/O permission bitmap: #GP
      // (16-bit cases are replayed in real mode, where these are allowed)
      for (const asm of ['cli', 'sti', 'hlt', 'in al, dx', 'out dx, al', 'insb', 'outsb', 'in eax, 0x80']) add(`${asm} (#GP at CPL 3)`, asm);
    }
    // deliberate exceptions
    out.push(new Case(mode, 'int3', 'int3').spec());
    out.push(new Case(mode, 'int1 (icebp)', 'db 0xf1').spec());
    out.push(new Case(mode, 'ud2', 'ud2').spec());
    out.push(new Case(mode, 'ud1', 'ud1 eax, [eax]').spec());
    out.push(new Case(mode, 'ud0', 'db 0x0f, 0xff, 0xc0').spec());
    if (mode !== 64) {
      out.push(new Case(mode, 'into (OF=1)', 'into').flags(OF).spec());
      out.push(new Case(mode, 'into (OF=0)', 'into').flags(0).spec());
      out.push(new Case(mode, 'bound (inside)', 'bound eax, [ebx]').set('eax', 5n).set('ebx', ptr).store(DATA_PTR, 0x0000000a00000001n, 8).spec());
      out.push(new Case(mode, 'bound (outside: #BR)', 'bound eax, [ebx]').set('eax', 50n).set('ebx', ptr).store(DATA_PTR, 0x0000000a00000001n, 8).spec());
    } else {
      out.push(new Case(mode, 'into (#UD in 64-bit)', 'db 0xce').flags(OF).spec());
    }
    return out;
  },
};
