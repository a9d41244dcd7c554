// `uai frameworks` shows base images on the host a build in this project would pull them from.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uaiBin } from '../test/harness.mjs';
import { execFileSync } from 'node:child_process';

function frameworks(config: unknown, env: Record<string, string | undefined> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-frameworks-'));
  writeFileSync(path.join(dir, 'uai.config.json'), JSON.stringify(config));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('UAI_')));
  return execFileSync(process.execPath, [uaiBin, 'frameworks'], { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8' });
}

const caffeImage = 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';

describe('uai frameworks', () => {
  it.each([
    { name: 'the default host', registry: { namespace: 'ns' }, env: {}, host: 'uhub.ucloud.cn' },
    { name: "the config's host", registry: { namespace: 'ns', host: 'mirror.example.com' }, env: {}, host: 'mirror.example.com' },
    { name: 'the internal host with inUhost', registry: { namespace: 'ns', inUhost: true }, env: {}, host: 'uhub.service.ucloud.cn' },
    {
      name: 'UAI_REGISTRY_HOST over the config',
      registry: { namespace: 'ns', host: 'mirror.example.com' },
      env: { UAI_REGISTRY_HOST: '127.0.0.1:5000' },
      host: '127.0.0.1:5000',
    },
  ])('$name', { timeout: 30_000 }, ({ registry, env, host }) => {
    expect(frameworks({ registry, models: [] }, env)).toContain(`${host}/${caffeImage} (default)`);
  });
});
