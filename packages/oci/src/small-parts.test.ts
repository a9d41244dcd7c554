import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChallenge } from './auth-challenge.js';
import { dockerConfigCredential } from './docker-credentials.js';
import { buildImageConfig, mergeEnv } from './image.js';
import { choosePlatform, convertMediaType, mediaTypes } from './media-types.js';
import { isLoopbackHost, parseReference, writtenRegistryHost } from './reference.js';
import { backoffDelay, isResetError, parseRetryAfter, RetryableStatus, withRetries } from './retry.js';

describe('parseReference', () => {
  it.each([
    { ref: '127.0.0.1:5000/uaishare/base:v1.2', want: { host: '127.0.0.1:5000', repository: 'uaishare/base', tag: 'v1.2' } },
    { ref: 'uhub.ucloud.cn/ns/img', want: { host: 'uhub.ucloud.cn', repository: 'ns/img', tag: 'latest' } },
    { ref: 'busybox', want: { host: 'registry-1.docker.io', repository: 'library/busybox', tag: 'latest' } },
    { ref: `localhost/a@sha256:${'a'.repeat(64)}`, want: { host: 'localhost', repository: 'a', digest: `sha256:${'a'.repeat(64)}` } },
    { ref: 'uaishare/base:v1', want: { host: 'registry-1.docker.io', repository: 'uaishare/base', tag: 'v1' } },
    { ref: 'docker.io/library/busybox', want: { host: 'registry-1.docker.io', repository: 'library/busybox' } },
  ])('$ref', ({ ref, want }) => {
    expect(parseReference(ref)).toMatchObject(want);
  });

  it.each([
    ['uhub.ucloud.cn/uaishare/x:v1', 'uhub.ucloud.cn'],
    ['127.0.0.1:5000/a', '127.0.0.1:5000'],
    ['localhost/a', 'localhost'],
    ['uaishare/x:v1', undefined],
    ['busybox:1.36', undefined],
    [`busybox@sha256:${'a'.repeat(64)}`, undefined],
  ])('the registry host written in %s is %s', (ref, host) => expect(writtenRegistryHost(ref)).toBe(host));

  it.each(['127.0.0.1:5000', 'localhost', '[::1]:5000', '127.3.2.1'])('%s is loopback', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(['uhub.ucloud.cn', '10.0.0.1:5000', 'localhost.evil.com'])('%s is not loopback', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('parseChallenge', () => {
  it('reads Bearer with quoted params holding commas', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm="uai-e2e"')).toEqual({ scheme: 'basic', params: { realm: 'uai-e2e' } });
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});

describe('retries', () => {
  it('retries 5xx/429 and resets, not other errors', async () => {
    let calls = 0;
    const result = await withRetries(async () => {
      calls++;
      if (calls === 1) throw new RetryableStatus(503);
      if (calls === 2) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return 'ok';
    }, { baseDelayMs: 1 });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    let refused = 0;
    await expect(withRetries(async () => {
      refused++;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }, { baseDelayMs: 1 })).rejects.toThrow(/ECONNREFUSED/);
    expect(refused).toBe(1);
  });

  it('gives up after the last retry', async () => {
    let calls = 0;
    await expect(withRetries(async () => {
      calls++;
      throw new RetryableStatus(500);
    }, { retries: 2, baseDelayMs: 1 })).rejects.toThrow(/HTTP 500/);
    expect(calls).toBe(3);
  });

  it('reads Retry-After and backs off exponentially with jitter', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(backoffDelay(0, 100, 8000, () => 0)).toBe(50);
    expect(backoffDelay(3, 100, 8000, () => 1)).toBe(800);
    expect(isResetError({ cause: { code: 'UND_ERR_SOCKET' } })).toBe(true);
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
    expect(await dockerConfigCredential('reg.example:5000', env)).toEqual({ username: 'u', password: 'p:w' });
    expect(await dockerConfigCredential('other.example', env)).toBeUndefined();
  });

  it('asks credHelpers before credsStore, over the helper protocol', async () => {
    const asked: string[] = [];
    const env = configDir({ credsStore: 'store', credHelpers: { 'reg.example': 'special' } });
    const runner = async (helper: string, url: string) => {
      asked.push(`${helper} ${url}`);
      return JSON.stringify({ ServerURL: url, Username: helper, Secret: 's3' });
    };
    expect(await dockerConfigCredential('reg.example', env, runner)).toEqual({ username: 'special', password: 's3' });
    expect(await dockerConfigCredential('else.example', env, runner)).toEqual({ username: 'store', password: 's3' });
    expect(asked).toEqual(['special reg.example', 'store else.example']);
  });

  it('treats <token> as an identity token, and a failing helper as no credentials', async () => {
    const env = configDir({ credsStore: 'store' });
    expect(await dockerConfigCredential('r', env, async () => JSON.stringify({ Username: '<token>', Secret: 'refresh' }))).toEqual({
      username: '',
      password: '',
      identityToken: 'refresh',
    });
    expect(await dockerConfigCredential('r', env, async () => { throw new Error('credentials not found'); })).toBeUndefined();
  });
});

describe('image config and media types', () => {
  it('merges ENV in place, adds EXPOSE, CMD, labels, layers and history without clock time', () => {
    const base = {
      architecture: 'amd64',
      os: 'linux',
      created: '2020-01-01T00:00:00Z',
      container_config: { Cmd: ['old'] },
      config: { Env: ['PATH=/bin', 'PYTHONPATH=/old'], Cmd: ['sh'], Labels: { keep: '1' } },
      rootfs: { type: 'layers' as const, diff_ids: ['sha256:base'] },
      history: [{ created_by: 'base' }],
    };
    const config = buildImageConfig(base, {
      env: [{ name: 'PYTHONPATH', value: '/root/caffe/python' }, { name: 'UAI_SERVICE_CONFIG', value: '/app/ufile.json' }],
      exposedPorts: ['8080'],
      cmd: ['/bin/sh', '-c', 'run'],
      labels: { 'ai.uai.model': 'm' },
      layers: [{ diffId: 'sha256:w', createdBy: 'COPY w' }],
      created: 0,
    });
    expect(config.config?.Env).toEqual(['PATH=/bin', 'PYTHONPATH=/root/caffe/python', 'UAI_SERVICE_CONFIG=/app/ufile.json']);
    expect(config.config?.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(config.config?.Labels).toEqual({ keep: '1', 'ai.uai.model': 'm' });
    expect(config.rootfs.diff_ids).toEqual(['sha256:base', 'sha256:w']);
    expect(config.created).toBe('1970-01-01T00:00:00Z');
    expect('container_config' in config).toBe(false);
    expect(config.history!.filter((h) => !h.empty_layer)).toHaveLength(2);
    expect(mergeEnv([], [{ name: 'A', value: 'b=c' }])).toEqual(['A=b=c']);
  });

  it('relabels docker and OCI types both ways and picks linux/amd64 from an index', () => {
    expect(convertMediaType(mediaTypes.dockerLayerGzip, 'oci')).toBe(mediaTypes.ociLayerGzip);
    expect(convertMediaType(mediaTypes.ociLayer, 'docker')).toBe(mediaTypes.dockerLayer);
    const index = {
      schemaVersion: 2 as const,
      manifests: [
        { mediaType: mediaTypes.ociManifest, digest: 'sha256:arm', size: 1, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: mediaTypes.ociManifest, digest: 'sha256:amd', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    expect(choosePlatform(index)?.digest).toBe('sha256:amd');
  });
});
