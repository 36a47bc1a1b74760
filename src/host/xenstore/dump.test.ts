import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/logger.js';
import { formatXenstoreTree, quoteValue } from './dump.js';
import { buildInitialTree } from './initial-tree.js';
import { PermBits } from './perms.js';
import { Xenstored } from './xenstored.js';

function small(): Xenstored {
  const xs = new Xenstored(undefined, silentLogger());
  xs.hostWrite('/local/domain/1/name', 'guest');
  xs.hostWrite('/local/domain/1/data/b', 'two');
  xs.hostWrite('/local/domain/1/data/a', '');
  xs.hostSetPerms('/local/domain/1/name', [{ id: 1, perm: PermBits.NONE }, { id: 0, perm: PermBits.READ }]);
  xs.hostMkdir('/vm');
  return xs;
}

describe('formatXenstoreTree', () => {
  it('prints xenstore-ls style: children one space deeper, in creation order, root not shown', () => {
    expect(formatXenstoreTree(small())).toBe(
      [
        'local = ""',
        ' domain = ""',
        '  1 = ""',
        '   name = "guest"',
        '   data = ""',
        '    b = "two"',
        '    a = ""',
        'vm = ""',
        '',
      ].join('\n'),
    );
  });

  it('appends permissions like xenstore-ls -p', () => {
    const text = formatXenstoreTree(small(), { perms: true });
    expect(text).toContain('   name = "guest"  (n1,r0)\n');
    expect(text).toContain('local = ""  (n0)\n');
  });

  it('shows a subtree, and nothing for a missing one or an empty store', () => {
    expect(formatXenstoreTree(small(), { root: '/local/domain/1/data' })).toBe('b = "two"\na = ""\n');
    expect(formatXenstoreTree(small(), { root: '/nope' })).toBe('');
    expect(formatXenstoreTree(new Xenstored())).toBe('');
  });

  it('escapes what would break a line or the quoting', () => {
    expect(quoteValue(Uint8Array.from([0x61, 0x22, 0x5c, 0x0a, 0x00, 0xff, 0x7e]))).toBe('"a\\"\\\\\\x0a\\x00\\xff~"');
    const xs = new Xenstored();
    xs.hostWrite('/x', 'line1\nline2');
    expect(formatXenstoreTree(xs)).toBe('x = "line1\\x0aline2"\n');
  });

  it("dumps the domU's initial tree one node a line", () => {
    const xs = new Xenstored();
    buildInitialTree(xs, {
      domid: 3, name: 'g', uuid: 'u', memoryKiB: 4096, vcpus: 2,
      consoleRingMfn: 10, consoleEvtchn: 2, storeRingMfn: 11, storeEvtchn: 1,
    });
    const lines = formatXenstoreTree(xs).trimEnd().split('\n');
    expect(lines).toHaveLength(xs.tree.size - 1); // every node but the root
    expect(lines).toContain('   domid = "3"');
    expect(lines).toContain('    1 = ""'); // /local/domain/3/cpu/1
    expect(lines).toContain('     availability = "online"');
  });
});
