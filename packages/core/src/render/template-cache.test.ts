import Handlebars from 'handlebars';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { precompiledTemplate } from './template-cache.js';

describe('precompiledTemplate', () => {
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(path.join(os.tmpdir(), 'uai-templates-'));
    vi.stubEnv('XDG_CACHE_HOME', cache);
  });
  afterEach(() => vi.unstubAllEnvs());
  const options = { strict: true, noEscape: true };
  const entries = () => readdirSync(path.join(cache, 'uai', 'templates')).filter((name) => name.endsWith('.js'));

  it('compiles a template once into the user cache, then loads it from there', () => {
    const source = 'FROM {{base}}\nENV A="{{value}}"\n';
    expect(precompiledTemplate(Handlebars.create(), source, options)({ base: 'img:1', value: 'a&b' })).toBe('FROM img:1\nENV A="a&b"\n');
    expect(entries()).toHaveLength(1);
    // What the next run uses is the cached form: an edit to it shows.
    const file = path.join(cache, 'uai', 'templates', entries()[0]!);
    writeFileSync(file, readFileSync(file, 'utf8').replace('FROM ', 'FROM-CACHED '));
    expect(precompiledTemplate(Handlebars.create(), source, options)({ base: 'img:1', value: 'v' })).toBe('FROM-CACHED img:1\nENV A="v"\n');
  });

  it('compiles an edited template anew, keyed by its text', () => {
    precompiledTemplate(Handlebars.create(), 'a {{x}}', options);
    expect(precompiledTemplate(Handlebars.create(), 'b {{x}}', options)({ x: 1 })).toBe('b 1');
    expect(entries()).toHaveLength(2);
  });

  it('compiles again over a damaged entry, and keeps strict mode', () => {
    precompiledTemplate(Handlebars.create(), 'c {{x}}', options);
    writeFileSync(path.join(cache, 'uai', 'templates', entries()[0]!), '{ this is not a template');
    const template = precompiledTemplate(Handlebars.create(), 'c {{x}}', options);
    expect(template({ x: 2 })).toBe('c 2');
    expect(() => template({})).toThrow(/"x" not defined/);
  });

  it("throws the template's own syntax error", () => {
    expect(() => precompiledTemplate(Handlebars.create(), 'd {{#if x}}', options)).toThrow(/Parse error|Expecting/);
  });
});
