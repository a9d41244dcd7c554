import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerConfigCredential } from './credentials.js';

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
    expect(await dockerConfigCredential('reg.example', { env, withhold: ['UHUB_PASSWORD'] })).toEqual({ username: 'has-path', password: 'unset' });
    expect(env.UHUB_PASSWORD).toBe('topsecret'); // the caller's env is left as it was
  });
});

describe('dockerConfigCredential', () => {
  function configDir(config: object): NodeJS.ProcessEnv {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-dc-'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    return { DOCKER_CONFIG: dir };
  }

  it('reads auths (base64 user:pass), matching https://host/ keys', async () => {
    const env = configDir({ auths: { 'https://reg.example:5000/v1/': { auth: Buffer.from('u:p:w').toString('base64') } } });
    expect(await dockerConfigCredential('reg.example:5000', { env })).toEqual({ username: 'u', password: 'p:w' });
    expect(await dockerConfigCredential('other.example', { env })).toBeUndefined();
  });

  it('asks credHelpers before credsStore, over the helper protocol', async () => {
    const asked: string[] = [];
    const env = configDir({ credsStore: 'store', credHelpers: { 'reg.example': 'special' } });
    const runner = async (helper: string, url: string) => {
      asked.push(`${helper} ${url}`);
      return JSON.stringify({ ServerURL: url, Username: helper, Secret: 's3' });
    };
    expect(await dockerConfigCredential('reg.example', { env, runHelper: runner })).toEqual({ username: 'special', password: 's3' });
    expect(await dockerConfigCredential('else.example', { env, runHelper: runner })).toEqual({ username: 'store', password: 's3' });
    expect(asked).toEqual(['special reg.example', 'store else.example']);
  });

  it('treats <token> as an identity token, and a failing helper as no credentials', async () => {
    const env = configDir({ credsStore: 'store' });
    expect(await dockerConfigCredential('r', { env, runHelper: async () => JSON.stringify({ Username: '<token>', Secret: 'refresh' }) })).toEqual({
      username: '',
      password: '',
      identityToken: 'refresh',
    });
    expect(
      await dockerConfigCredential('r', {
        env,
        runHelper: async () => {
          throw new Error('credentials not found');
        },
      }),
    ).toBeUndefined();
  });
});
