import { resolvePlugins } from '@uai/core';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinPlugins } from './builtin-plugins.js';

const cliDir = fileURLToPath(new URL('..', import.meta.url));

describe('the built-in plugins the CLI hands to core', () => {
  it('maps tf to the tensorflow package, which declares it as an alias', () => {
    expect(builtinPlugins.tf).toBe('@uai/plugin-tensorflow');
  });

  it.each(Object.entries(builtinPlugins))('%s: %s is installed with the CLI and serves that name', async (framework, pkg) => {
    const registry = await resolvePlugins({ projectDir: os.tmpdir(), frameworks: [framework], fallbackFrom: cliDir, builtin: builtinPlugins });
    const plugin = registry.get(framework);
    expect(plugin?.name).toBe(pkg);
    expect([plugin!.framework, ...(plugin!.aliases ?? [])]).toContain(framework);
  });
});
