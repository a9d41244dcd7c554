import { createHash } from 'node:crypto';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveBaseImage } from './base-image.js';
import { RegistryClient } from './registry-client.js';

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('resolveBaseImage', () => {
  let agent: MockAgent;
  afterEach(async () => agent?.close());

  it('picks linux/amd64 from an index, and keeps the digest of the index the tag names', async () => {
    const config = json({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } });
    const manifest = json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: [] });
    const index = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    agent = new MockAgent();
    agent.disableNetConnect();
    const registry = agent.get('http://127.0.0.1:5000');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}').persist();
    const manifestHeaders = (type: string, bytes: Buffer) => ({ headers: { 'content-type': type, 'docker-content-digest': sha(bytes) } });
    registry.intercept({ path: '/v2/ns/app/manifests/v1', method: 'GET' }).reply(200, index, manifestHeaders('application/vnd.oci.image.index.v1+json', index));
    registry.intercept({ path: `/v2/ns/app/manifests/${sha(manifest)}`, method: 'GET' }).reply(200, manifest, manifestHeaders('application/vnd.oci.image.manifest.v1+json', manifest));
    registry.intercept({ path: `/v2/ns/app/blobs/${sha(config)}`, method: 'GET' }).reply(200, config);

    const image = await resolveBaseImage(new RegistryClient({ host: '127.0.0.1:5000', dispatcher: agent }), '127.0.0.1:5000/ns/app:v1');
    expect(image.digest).toBe(sha(manifest));
    expect(image.referenceDigest).toBe(sha(index));
  });
});
