import { describe, expect, it } from 'vitest';
import { classesIn, moduleNameOf } from './python-classes.js';

describe('classesIn', () => {
  it.each<[string, string, Array<{ name: string; bases: string; hasExecute: boolean }>]>([
    ['no class', 'import os\n\ndef f():\n    pass\n', []],
    ['a class without bases', 'class A:\n    pass\n', [{ name: 'A', bases: '', hasExecute: false }]],
    [
      'bases over several lines, execute found',
      'class M(\n    CaffeAiUcloudModel,\n):\n    def execute(self, data, batch_size):\n        pass\n',
      [{ name: 'M', bases: 'CaffeAiUcloudModel,', hasExecute: true }],
    ],
    [
      'execute belongs to the class whose body holds it, a comment at column 0 does not end a body',
      'class A(object):\n    def load(self):\n        pass\n# a comment\n    def execute(self, d):\n        pass\n\nclass B(object):\n    def other(self):\n        pass\n',
      [
        { name: 'A', bases: 'object', hasExecute: true },
        { name: 'B', bases: 'object', hasExecute: false },
      ],
    ],
    ['a nested class is not top-level', 'def f():\n    class Inner(object):\n        def execute(self):\n            pass\n', []],
    [
      'execute as a module function is not a method',
      'class A(object):\n    pass\n\ndef execute(data):\n    pass\n',
      [{ name: 'A', bases: 'object', hasExecute: false }],
    ],
    [
      'Windows line ends',
      'class W(TFAiUcloudModel):\r\n    def execute(self, d):\r\n        pass\r\n',
      [{ name: 'W', bases: 'TFAiUcloudModel', hasExecute: true }],
    ],
  ])('%s', (_what, source, expected) => {
    expect(classesIn(source)).toEqual(expected);
  });
});

describe('moduleNameOf', () => {
  const files = new Set(['pkg/__init__.py', 'pkg/sub/__init__.py']);
  it.each<[string, string | undefined]>([
    ['serve.py', 'serve'],
    ['pkg/model.py', 'pkg.model'],
    ['pkg/sub/deep.py', 'pkg.sub.deep'],
    ['pkg/__init__.py', 'pkg'],
    ['scripts/serve.py', undefined],
    ['my-model.py', undefined],
    ['2fast.py', undefined],
    ['notes.txt', undefined],
  ])('%s -> %s', (file, expected) => {
    expect(moduleNameOf(file, (relative) => files.has(relative))).toBe(expected);
  });
});
