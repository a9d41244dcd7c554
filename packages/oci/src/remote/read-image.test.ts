import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { fileBlobStore } from '../cache/blob-store.js';
import { RegistryClient } from './client.js';
import { resolveBaseImage } from './read-image.js';

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('resolveBaseImage', () => {
  let agent: MockAgent;
  afterEach(async () => agent?.close());

  it('picks linux/amd64 from an index, and keeps the digest of the index the tag names', async () => {
    const config = json({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } });
    const manifest = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [],
    });
    const index = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${'a'.repeat(64)}`,
          size: 1,
          platform: { os: 'linux', architecture: 'arm64' },
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha(manifest),
          size: manifest.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    });
    agent = new MockAgent();
    agent.disableNetConnect();
    const registry = agent.get('http://127.0.0.1:5000');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}').persist();
    const manifestHeaders = (type: string, bytes: Buffer) => ({ headers: { 'content-type': type, 'docker-content-digest': sha(bytes) } });
    registry.intercept({ path: '/v2/ns/app/manifests/v1', method: 'GET' }).reply(200, index, manifestHeaders('application/vnd.oci.image.index.v1+json', index));
    registry
      .intercept({ path: `/v2/ns/app/manifests/${sha(manifest)}`, method: 'GET' })
      .reply(200, manifest, manifestHeaders('application/vnd.oci.image.manifest.v1+json', manifest));
    registry.intercept({ path: `/v2/ns/app/blobs/${sha(config)}`, method: 'GET' }).reply(200, config);

    const image = await resolveBaseImage(new RegistryClient({ host: '127.0.0.1:5000', scheme: 'http', dispatcher: agent }), '127.0.0.1:5000/ns/app:v1');
    expect(image.digest).toBe(sha(manifest));
    expect(image.referenceDigest).toBe(sha(index));
  });

  it('reads the config from the store once it has it, and asks again for one that no longer hashes to its digest', async () => {
    const config = json({ architecture: 'amd64', os: 'linux', config: { Env: ['A=1'] }, rootfs: { type: 'layers', diff_ids: [] } });
    const manifest = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [],
    });
    agent = new MockAgent();
    agent.disableNetConnect();
    const registry = agent.get('http://127.0.0.1:5000');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}').persist();
    registry
      .intercept({ path: '/v2/ns/app/manifests/v1', method: 'GET' })
      .reply(200, manifest, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha(manifest) } })
      .persist();
    let configGets = 0;
    registry
      .intercept({ path: `/v2/ns/app/blobs/${sha(config)}`, method: 'GET' })
      .reply(() => {
        configGets++;
        return { statusCode: 200, data: config };
      })
      .persist();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-blobs-'));
    const client = new RegistryClient({ host: '127.0.0.1:5000', scheme: 'http', dispatcher: agent });
    const resolve = () => resolveBaseImage(client, '127.0.0.1:5000/ns/app:v1', { store: fileBlobStore(dir) });

    expect((await resolve()).config.config?.Env).toEqual(['A=1']);
    expect((await resolve()).config.config?.Env).toEqual(['A=1']);
    expect(configGets).toBe(1); // the tag was asked for twice, the config once

    writeFileSync(path.join(dir, sha(config).slice(7)), '{"config": {"Env": ["EVIL=1"]}}');
    expect((await resolve()).config.config?.Env).toEqual(['A=1']);
    expect(configGets).toBe(2);
    rmSync(dir, { recursive: true, force: true });
  });
});
