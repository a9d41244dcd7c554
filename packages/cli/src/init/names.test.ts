import { identifiers } from '@uai/core';
import { describe, expect, it } from 'vitest';
import { modelNames, safeName } from './names.js';

describe('safeName', () => {
  it.each<[string, string | undefined]>([
    ['caffe-mnist', 'caffe-mnist'],
    ['My Model', 'my-model'],
    ['__init__', 'init'],
    ['a..b', 'a-b'],
    ['Ünïcode_Net', 'n-code_net'],
    ["it's", 'it-s'],
    ['---', undefined],
    ['x'.repeat(100), 'x'.repeat(64)],
  ])('%s -> %s', (raw, expected) => {
    expect(safeName(raw)).toBe(expected);
  });

  it('is always a valid model name, image name and namespace', () => {
    for (const raw of ['A B', '.hidden', 'a__b', 'a-_-b', 'v1.2.3', 'UPPER', '9lives', `${'x'.repeat(70)}-y`, 'a/b']) {
      const name = safeName(raw)!;
      expect(name, raw).toMatch(identifiers.modelNamePattern);
      expect(name, raw).toMatch(identifiers.namespacePattern);
      expect(identifiers.imageProblem(`${name}:v1`), raw).toBeUndefined();
    }
  });
});

describe('modelNames', () => {
  it('names the current folder, and generic code folders, after the project; repeats get -2, -3', () => {
    expect(modelNames(['.', 'code', 'Proj', 'mnist', 'src'], 'proj')).toEqual(['proj', 'proj-2', 'proj-3', 'mnist', 'proj-4']);
  });
  it('falls back to "model" when nothing of a name is left', () => {
    expect(modelNames(['.'], '???')).toEqual(['model']);
  });
});
