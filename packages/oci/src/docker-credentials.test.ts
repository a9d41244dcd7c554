import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerConfigCredential } from './docker-credentials.js';

describe('credential helpers', () => {
  const saved = { PATH: process.env.PATH, UHUB_PASSWORD: process.env.UHUB_PASSWORD };
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.UHUB_PASSWORD === undefined) delete process.env.UHUB_PASSWORD;
    else process.env.UHUB_PASSWORD = saved.UHUB_PASSWORD;
  });

  it('run without UHUB_PASSWORD in their environment', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-helper-'));
    // A helper that answers with what it can see of UHUB_PASSWORD (and that it still has PATH).
    const helper = path.join(dir, 'docker-credential-peek');
    writeFileSync(helper, '#!/bin/sh\ncat >/dev/null\nprintf \'{"Username":"%s","Secret":"%s"}\' "${PATH:+has-path}" "${UHUB_PASSWORD:-unset}"\n');
    chmodSync(helper, 0o755);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ credsStore: 'peek' }));
    // Both the given env and our own process hold the password: neither may reach the helper.
    process.env.UHUB_PASSWORD = 'topsecret';
    process.env.PATH = `${dir}:${saved.PATH}`;
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: dir };
    expect(await dockerConfigCredential('reg.example', env)).toEqual({ username: 'has-path', password: 'unset' });
    expect(env.UHUB_PASSWORD).toBe('topsecret'); // the caller's env is left as it was
  });
});
