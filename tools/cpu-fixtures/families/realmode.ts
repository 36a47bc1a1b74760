/**
 * What only real mode (CPL 0, no descriptors) allows, recorded under QEMU
 * because a user-mode helper cannot run it: port I/O (in, out, ins, outs with
 * REP in both address sizes and directions), cli/sti and popf of IF and IOPL,
 * iret, far call/jmp/ret, and segment register loads (mov, pop, lds les lfs
 * lgs lss) made visible by using the new segment.
 *
 * I/O goes to ports without a device (see port-io.ts).
 */
import { DATA_PTR, MAIN, STACK_TOP } from '../layout.js';
import { Case, type CaseSpec } from '../spec.js';
import { type Family, type GenContext, offsetOf } from './common.js';
import { flagControl, portIo } from './port-io.js';


export const realmode: Family = {
  name: 'realmode',
  covers: 'real mode under QEMU: in out ins outs (rep, a16/a32, DF), cli sti popf (IF, IOPL), iret, far call/jmp/ret, segment loads',
  reference: 'qemu-real-mode',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    if (mode !== 16) return out;
    const ptr = offsetOf(mode, DATA_PTR);
    out.push(...portIo(mode, rng, [['', 16, MAIN], ['a32 ', 32, MAIN]]));
    // the interrupt flag and IOPL are writable in real mode
    out.push(...flagControl(mode, rng));
    // iret: the frame is built by the snippet
    out.push(new Case(mode, 'iret', `pushf\npush cs\npush word CODE(.t)\niret\nmov eax, 1\n.t:`).flags(rng.status()).spec());
    out.push(new Case(mode, 'iret (new flags)', `push word 0x0ed7\npush cs\npush word CODE(.t)\niret\n.t:`).flags(rng.status()).spec());
    out.push(new Case(mode, 'iretd', `pushfd\npush dword 0x1000\npush dword CODE(.t)\niretd\nmov eax, 1\n.t:`).flags(rng.status()).spec());
    // far transfers
    out.push(new Case(mode, 'call far ptr16:16 + retf', 'call 0x1000:CODE(.f)\njmp .end\n.f:\nretf\n.end:').spec());
    out.push(new Case(mode, 'call far + retf imm16', 'call 0x1000:CODE(.f)\njmp .end\n.f:\nretf 6\n.end:').spec());
    out.push(new Case(mode, 'jmp far ptr16:16', 'jmp 0x1000:CODE(.t)\nmov eax, 1\n.t:').spec());
    out.push(new Case(mode, 'call far m16:16', 'mov word [bx], CODE(.f)\nmov word [bx+2], 0x1000\ncall far [bx]\njmp .end\n.f:\nretf\n.end:').set('bx', ptr).spec());
    out.push(new Case(mode, 'jmp far m16:32 (o32)', 'mov dword [bx], CODE(.t)\nmov word [bx+4], 0x1000\njmp far dword [bx]\nmov eax, 1\n.t:').set('bx', ptr).spec());
    out.push(new Case(mode, 'call far o32 + retfd', 'call dword 0x1000:CODE(.f)\njmp .end\n.f:\nretfd\n.end:').spec());
    // another code segment value for the same bytes: CS:IP = 0x0fff:(IP + 0x10)
    out.push(new Case(mode, 'jmp far to an aliased CS', 'jmp 0x0fff:CODE(.t) + 0x10\nmov eax, 1\n.t:\nmov ax, cs').spec());
    // segment register loads, made visible through the new segment
    const segs: [string, string][] = [['ds', ''], ['es', 'es:'], ['fs', 'fs:'], ['gs', 'gs:'], ['ss', 'ss:']];
    for (const [s, o] of segs) {
      out.push(new Case(mode, `mov ${s}, r16`, `mov ${s}, ax\nmov ebx, [${o}0x10]\nmov dx, ${s}`).set('ax', 0x2010n).spec());
      out.push(new Case(mode, `mov ${s}, m16`, `mov ${s}, [bx]\nmov ecx, [${o}0x20]\nmov dx, ${s}`).set('bx', ptr).store(DATA_PTR, 0x1fffn, 2).spec());
      if (s !== 'ss') out.push(new Case(mode, `l${s} r16, m16:16`, `l${s} si, [bx]\nmov edi, [${o}si]\nmov dx, ${s}`).set('bx', ptr).store(DATA_PTR, 0x20100010n, 4).spec());
      out.push(new Case(mode, `pop ${s}`, `pop ${s}\nmov eax, [${o}0x8]\nmov dx, ${s}`).store(STACK_TOP, 0x2004n, 2).spec());
      out.push(new Case(mode, `push ${s}`, `mov ax, 0x1234\nmov ${s}, ax\npush ${s}\nmov dx, ${s}`).spec());
    }
    out.push(new Case(mode, 'lss sp, m16:16', 'lss sp, [bx]\npush ax\nmov dx, ss').set('bx', ptr).set('ax', 0xabcdn).store(DATA_PTR, 0x20000800n, 4).spec());
    out.push(new Case(mode, 'mov es, cs-based read', 'mov ax, cs\nmov es, ax\nmov eax, [es:0]').spec());
    out.push(new Case(mode, 'push cs', 'push cs').spec());
    return out;
  },
};

