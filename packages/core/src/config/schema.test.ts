import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from './schema.js';
import { hostPattern, imagePattern, imageReferencePattern, namespacePattern, unsafeRelativePath } from './identifiers.js';

interface JsonSchema {
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

/** Paths of every key that has no description, for editors and generated docs. */
function undescribed(schema: JsonSchema, at = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, value]) => [
    ...(value.description ? [] : [`${at}${key}`]),
    ...undescribed(value, `${at}${key}.`),
    ...(value.items ? undescribed(value.items, `${at}${key}[].`) : []),
  ]);
}

describe('configSchema', () => {
  it('describes every key, so a JSON Schema for editors can be generated from it', () => {
    const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    expect(Object.keys(json.properties ?? {})).toEqual(['$schema', 'registry', 'defaults', 'concurrency', 'builder', 'plugins', 'models']);
    expect(undescribed(json)).toEqual([]);
  });
});

describe('identifiers', () => {
  it.each([
    { value: 'code', expected: undefined },
    { value: './examples/caffe-mnist/code', expected: undefined },
    { value: '.', expected: undefined },
    { value: 'a..b/c', expected: undefined },
    { value: '', expected: 'must not be empty' },
    { value: '..', expected: "must stay inside its folder (no '..')" },
    { value: 'a/../..', expected: "must stay inside its folder (no '..')" },
    { value: '/abs', expected: 'must be relative, not absolute' },
    { value: 'D:\\code', expected: 'must not contain quotes or backslashes' },
    { value: 'D:/code', expected: 'must be relative, not absolute' },
    { value: 'a\nb', expected: 'must not contain control characters (newlines, tabs)' },
    { value: "john's", expected: 'must not contain quotes or backslashes' },
  ])('unsafeRelativePath($value) -> $expected', ({ value, expected }) => {
    expect(unsafeRelativePath(value)).toBe(expected);
  });

  it.each([
    {
      pattern: 'host',
      regex: hostPattern,
      good: ['uhub.ucloud.cn', '127.0.0.1:5000', 'localhost', '[::1]:5000'],
      bad: ['uhub.ucloud.cn/', 'a b', 'host:port', '-x.com', 'x.com\n'],
    },
    { pattern: 'namespace', regex: namespacePattern, good: ['uai_demo', 'a.b-c'], bad: ['UAI', '_x', 'a/b', 'a\n'] },
    { pattern: 'image', regex: imagePattern, good: ['caffe-inference:test', 'team/model:V1.2'], bad: ['caffe', 'Caffe:1', 'a:b c', 'a:b\n', 'a:-x'] },
    {
      pattern: 'image reference',
      regex: imageReferencePattern,
      good: [
        'uhub.ucloud.cn/uaishare/x:v1.2',
        'localhost:5000/a/b:1',
        'localhost/a:1',
        'Registry.Example.com/a:1',
        '[::1]:5000/a:1',
        'ubuntu:16.04',
        `a/b@sha256:${'f'.repeat(64)}`,
      ],
      bad: ['uhub.ucloud.cn/uaishare/x:v1\nRUN id', 'x y', 'UPPER/x:1', 'a/b@sha256:short'],
    },
  ])('$pattern pattern', ({ regex, good, bad }) => {
    for (const value of good) expect([value, regex.test(value)]).toEqual([value, true]);
    for (const value of bad) expect([value, regex.test(value)]).toEqual([value, false]);
  });
});
