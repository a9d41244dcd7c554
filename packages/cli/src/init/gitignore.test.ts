import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ignoreUaiFolder, withUaiIgnored } from './gitignore.js';

describe('withUaiIgnored', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['no .gitignore', undefined, '.uai/\n'],
    ['an empty one', '', '.uai/\n'],
    ['lines kept, .uai/ appended', 'node_modules/\ndist\n', 'node_modules/\ndist\n.uai/\n'],
    ['a last line without its newline', 'node_modules/', 'node_modules/\n.uai/\n'],
    ['already there', 'dist\n.uai/\n', undefined],
    ['already there without the slash', '.uai\n', undefined],
    ['already there, rooted', '/.uai/\n', undefined],
    ['already there with CRLF and spaces', 'dist\r\n  .uai/  \r\n', undefined],
    ['a commented line does not count', '# .uai/\n', '# .uai/\n.uai/\n'],
    ['a longer name does not count', '.uai-old/\n', '.uai-old/\n.uai/\n'],
  ])('%s', (_what, existing, expected) => {
    expect(withUaiIgnored(existing)).toBe(expected);
  });
});

describe('ignoreUaiFolder', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates, then adds once, keeping what was there', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'uai-gitignore-'));
    expect(await ignoreUaiFolder(dir)).toBe('created');
    expect(await ignoreUaiFolder(dir)).toBe('present');
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('.uai/\n');
    await writeFile(path.join(dir, '.gitignore'), '*.log');
    expect(await ignoreUaiFolder(dir)).toBe('added');
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('*.log\n.uai/\n');
  });
});
