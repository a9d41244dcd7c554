import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIgnore, dockerignoreToGitignore, loadIgnore } from './uaiignore.js';

describe('.uaiignore', () => {
  it('anchors patterns at the packed folder, as .dockerignore does', () => {
    expect(dockerignoreToGitignore('# comment\n\n*.pyc\n/build\n!keep.pyc\n./notes.txt')).toEqual(['/*.pyc', '/build', '!/keep.pyc', '/notes.txt']);
  });

  it.each([
    { rules: '*.pyc', file: 'a.pyc', dir: false, ignored: true },
    { rules: '*.pyc', file: 'pkg/a.pyc', dir: false, ignored: false },
    { rules: '**/*.pyc', file: 'pkg/a.pyc', dir: false, ignored: true },
    { rules: 'data', file: 'data', dir: true, ignored: true },
    { rules: 'data', file: 'src/data', dir: true, ignored: false },
    { rules: '*.log\n!keep.log', file: 'keep.log', dir: false, ignored: false },
    { rules: '', file: '.uaiignore', dir: false, ignored: true },
    { rules: '', file: 'model.caffemodel', dir: false, ignored: false },
  ])('$rules: $file ignored=$ignored', ({ rules, file, dir, ignored }) => {
    expect(createIgnore(rules)(file, dir)).toBe(ignored);
  });

  it("always leaves out the project's .uai folder when packing the project root", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-ignore-'));
    mkdirSync(path.join(root, '.uai'));
    writeFileSync(path.join(root, '.uaiignore'), 'secrets.txt\n');
    const ignored = await loadIgnore(root, root);
    expect(ignored('.uai', true)).toBe(true);
    expect(ignored('secrets.txt', false)).toBe(true);
    expect(ignored('main.py', false)).toBe(false);
  });

  it("always leaves out the packed folder's .git, with or without a .uaiignore", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'uai-ignore-'));
    const ignored = await loadIgnore(root, root);
    expect(ignored('.git', true)).toBe(true);
    expect(ignored('.gitignore', false)).toBe(false);
    expect(ignored('src/git', true)).toBe(false);
  });
});
