import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitUstarPath, tarEntrySize, tarHeader } from './tar.js';
import { normalizeEntries, tarChunks, tarSize, type LayerEntry } from './layer.js';

async function tarOf(entries: LayerEntry[], mtime = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarChunks(normalizeEntries(entries), { mtime })) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const longName = `${'deep/'.repeat(40)}weights.bin`;
const file = (p: string, text: string, mode = 0o644): LayerEntry => ({
  path: p,
  type: 'file',
  mode,
  size: Buffer.byteLength(text),
  contents: Buffer.from(text),
});

describe('tar headers', () => {
  it.each([
    { name: 'short', path: 'a/b.txt', split: { prefix: '', name: 'a/b.txt' } },
    { name: 'prefix split', path: `${'p'.repeat(120)}/name.txt`, split: { prefix: 'p'.repeat(120), name: 'name.txt' } },
    { name: 'too long', path: 'x'.repeat(300), split: undefined },
  ])('$name', ({ path: p, split }) => {
    expect(splitUstarPath(p)).toEqual(split);
  });

  it('has a valid checksum, zero owner and the fixed mtime', () => {
    const header = tarHeader({ path: 'a/b.txt', type: 'file', mode: 0o644, size: 5, mtime: 0 });
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    expect(parseInt(header.subarray(148, 154).toString(), 8)).toBe(sum);
    expect(header.subarray(108, 115).toString()).toBe('0000000');
    expect(header.subarray(136, 147).toString()).toBe('00000000000');
    expect(header.subarray(265, 265 + 32).every((b) => b === 0)).toBe(true);
  });

  it("knows an entry's size before writing it, PAX headers included", () => {
    for (const entry of [
      { path: 'a', type: 'file' as const, mode: 0o644, size: 1000, mtime: 0 },
      { path: longName, type: 'file' as const, mode: 0o644, size: 3, mtime: 0 },
      { path: 'big', type: 'file' as const, mode: 0o644, size: 9 * 1024 ** 3, mtime: 0 },
    ]) {
      const header = tarHeader(entry);
      expect(tarEntrySize(entry)).toBe(header.length + entry.size + ((512 - (entry.size % 512)) % 512));
    }
  });
});

describe('layer tar', () => {
  it('sorts entries, adds parent folders and is read back by GNU tar as written', async () => {
    const data = await tarOf([file('app/z.py', 'z'), file('app/sub/a.bin', 'aa', 0o755), file(longName, 'long')]);
    expect(data.length).toBe(tarSize(normalizeEntries([file('app/z.py', 'z'), file('app/sub/a.bin', 'aa', 0o755), file(longName, 'long')])));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-tar-'));
    writeFileSync(path.join(dir, 'l.tar'), data);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', path.join(dir, 'l.tar')], { encoding: 'utf8' });
    const lines = listing
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(lines.map((cols) => cols.at(-1))).toEqual([
      'app/',
      'app/sub/',
      'app/sub/a.bin',
      'app/z.py',
      ...Array.from({ length: 40 }, (_, i) => `${'deep/'.repeat(i + 1)}`),
      longName,
    ]);
    expect(lines.find((cols) => cols.at(-1) === 'app/sub/a.bin')!.slice(0, 2)).toEqual(['-rwxr-xr-x', '0/0']);
    expect(lines[0]!.slice(3, 5)).toEqual(['1970-01-01', '00:00']);
    execFileSync('tar', ['-xf', path.join(dir, 'l.tar'), '-C', dir]);
    expect(readFileSync(path.join(dir, longName), 'utf8')).toBe('long');
  });

  it('gives the same bytes whatever order the files come in', async () => {
    const a = await tarOf([file('x/1', 'one'), file('x/2', 'two'), file('y', 'why')]);
    const b = await tarOf([file('y', 'why'), file('x/2', 'two'), file('x/1', 'one')]);
    expect(a.equals(b)).toBe(true);
  });

  it('rejects paths that leave the root', () => {
    expect(() => normalizeEntries([file('../etc/passwd', 'x')])).toThrow(/invalid layer path/);
  });
});
