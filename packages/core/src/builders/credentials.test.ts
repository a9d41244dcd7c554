import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialFor, credentialsFromEnv } from './credentials.js';
import { UaiError } from '../errors/uai-error.js';

describe('credentialsFromEnv', () => {
  it('logs in to each push host once, with UHUB_USERNAME/UHUB_PASSWORD', () => {
    expect(credentialsFromEnv({ UHUB_USERNAME: 'me', UHUB_PASSWORD: 'pw' }, ['uhub.ucloud.cn', 'uhub.ucloud.cn', 'localhost:5000'])).toEqual([
      { host: 'uhub.ucloud.cn', username: 'me', password: 'pw' },
      { host: 'localhost:5000', username: 'me', password: 'pw' },
    ]);
  });

  it.each([
    { name: 'neither set', env: {} },
    { name: 'both empty', env: { UHUB_USERNAME: '', UHUB_PASSWORD: '' } },
  ])('uses the docker login store when $name', ({ env }) => {
    expect(credentialsFromEnv(env, ['uhub.ucloud.cn'])).toEqual([]);
  });

  it.each([
    {
      name: 'only UHUB_USERNAME',
      env: { UHUB_USERNAME: 'me' },
      message: 'UHUB_PASSWORD is not set but UHUB_USERNAME is. Set both, or neither to use your docker login.',
    },
    {
      name: 'only UHUB_PASSWORD',
      env: { UHUB_PASSWORD: 'pw' },
      message: 'UHUB_USERNAME is not set but UHUB_PASSWORD is. Set both, or neither to use your docker login.',
    },
    {
      name: 'an empty UHUB_PASSWORD',
      env: { UHUB_USERNAME: 'me', UHUB_PASSWORD: '' },
      message: 'UHUB_PASSWORD is not set but UHUB_USERNAME is. Set both, or neither to use your docker login.',
    },
  ])('is a usage error (exit 2) with $name set', ({ env, message }) => {
    let error: unknown;
    try {
      credentialsFromEnv(env, ['uhub.ucloud.cn']);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(UaiError);
    expect((error as UaiError).code).toBe('UAI_USAGE');
    expect((error as UaiError).exitCode).toBe(2);
    expect((error as UaiError).message).toBe(message);
    expect((error as UaiError).message).not.toContain('pw');
  });
});

describe('credentialFor', () => {
  const dockerConfig = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-creds-'));
    const auth = Buffer.from('stored-user:stored-pw').toString('base64');
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'uhub.ucloud.cn': { auth }, 'other.example.com': { auth } } }));
    return { DOCKER_CONFIG: dir };
  };
  const fromEnv = [{ host: 'uhub.ucloud.cn', username: 'me', password: 'pw' }];

  it('offers a push host the UHUB_* pair, over what docker login stored for it', async () => {
    await expect(credentialFor('uhub.ucloud.cn', fromEnv, dockerConfig())).resolves.toEqual({ username: 'me', password: 'pw' });
  });

  it('offers any other host what docker login stored, never the UHUB_* pair', async () => {
    await expect(credentialFor('other.example.com', fromEnv, dockerConfig())).resolves.toEqual({ username: 'stored-user', password: 'stored-pw' });
  });

  it('offers nothing (anonymous) to a host neither knows', async () => {
    await expect(credentialFor('third.example.com', fromEnv, dockerConfig())).resolves.toBeUndefined();
  });
});
