import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { transformConfigSource } from './transform.js';

/** Runs CommonJS output the way jiti does: a function of (exports, require, module). */
function evaluate(code: string, modules: Record<string, unknown>): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = vm.runInThisContext(`(function (exports, require, module) {${code}\n})`) as (...args: unknown[]) => void;
  wrapper(module.exports, (id: string) => modules[id], module);
  return module.exports;
}

describe('transformConfigSource', () => {
  const config = [
    "import { defineConfig } from '@uai/core';",
    'interface Extra { tag: string }',
    "const extra: Extra = { tag: 'v1' };",
    "export default defineConfig({ registry: { namespace: 'ns' }, models: [{ name: `m-${extra.tag}` }] });",
  ].join('\n');

  it('compiles a TypeScript config to CommonJS that exports the config, types gone', () => {
    const { code } = transformConfigSource({ source: config, filename: '/p/uai.config.ts' });
    const exported = evaluate(code, { '@uai/core': { defineConfig: (c: unknown) => c } });
    expect(exported.default).toEqual({ registry: { namespace: 'ns' }, models: [{ name: 'm-v1' }] });
  });

  it('uses esbuild, not Babel, for a plain config (Babel costs ~0.3 s to load)', () => {
    const { code } = transformConfigSource({ source: config, filename: '/p/uai.config.ts' });
    // esbuild's CommonJS interop helper; Babel's output has no such name.
    expect(code).toContain('__toCommonJS');
  });

  // Loading such configs end to end: load-config.test.ts (config-await, config-import-meta).
  it("hands top-level await to Babel (esbuild's CommonJS cannot express it)", () => {
    const source = 'const n: number = await Promise.resolve(1);\nexport default n;';
    const { code } = transformConfigSource({ source, filename: '/p/uai.config.ts', async: true, ts: true });
    expect(code).not.toContain('__toCommonJS');
    expect(code).toContain('await');
    expect(code).not.toContain(': number');
  });
});
