import { describe, expect, it } from 'vitest';
import type { BaseImage } from './base-image.js';
import { sha256Digest } from './image.js';
import { pushImage, type LocalLayer } from './push-image.js';
import type { RegistryClient } from './registry-client.js';

/** A registry that records the order of events; each blob upload takes a few ticks. */
function recordingTarget() {
  const events: string[] = [];
  const target = {
    async pushBlob(_repository: string, blob: { digest?: string; size: number; open: () => AsyncIterable<Buffer> }) {
      const name = blob.size >= 1000 ? 'layer' : 'small';
      events.push(`start ${name} ${blob.digest ?? '(hashed on the way)'}`);
      let bytes = Buffer.alloc(0);
      for await (const chunk of blob.open()) bytes = Buffer.concat([bytes, chunk]);
      await new Promise((resolve) => setTimeout(resolve, name === 'layer' ? 30 : 1));
      const digest = sha256Digest(bytes);
      events.push(`end ${name} ${digest}`);
      return { digest, uploaded: true, mounted: false };
    },
    async putManifest() {
      events.push('manifest');
      return 'sha256:m';
    },
  };
  return { events, target: target as unknown as RegistryClient };
}

const base = {
  ref: { host: 'h', repository: 'uaishare/base', tag: 'v1' },
  digest: 'sha256:b',
  format: 'oci',
  manifest: { schemaVersion: 2, config: { digest: 'sha256:c', size: 1, mediaType: 'x' }, layers: [] },
  layers: [],
  config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
} as unknown as BaseImage;

function layer(bytes: Buffer, knownDigest: boolean): LocalLayer {
  return { digest: knownDigest ? sha256Digest(bytes) : undefined, size: bytes.length, gzip: false, open: async function* () { yield bytes; } };
}

describe('pushImage', () => {
  const weights = Buffer.alloc(1000, 7);
  const makeConfig = (digests: readonly { digest: string }[]) => ({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: digests.map((d) => d.digest) } }) as never;

  it('sends the config alongside the layers when every digest is known (a rebuild), the manifest last', async () => {
    const { events, target } = recordingTarget();
    await pushImage({ target, repository: 'ns/m', tag: 'v1', base, layers: [layer(weights, true)], diffIds: [undefined], format: 'oci', makeConfig });
    const configStart = events.findIndex((e) => e.startsWith('start small'));
    const layerEnd = events.findIndex((e) => e.startsWith('end layer'));
    expect(configStart).toBeGreaterThan(-1);
    expect(configStart).toBeLessThan(layerEnd);
    expect(events.at(-1)).toBe('manifest');
  });

  it('sends the config after the layers when a digest is found only on the way up, with that digest in it', async () => {
    const { events, target } = recordingTarget();
    const result = await pushImage({ target, repository: 'ns/m', tag: 'v1', base, layers: [layer(weights, false)], diffIds: [undefined], format: 'oci', makeConfig });
    const configStart = events.findIndex((e) => e.startsWith('start small'));
    expect(configStart).toBeGreaterThan(events.findIndex((e) => e.startsWith('end layer')));
    expect(JSON.parse(result.config.toString()).rootfs.diff_ids).toEqual([sha256Digest(weights)]);
    expect(events.at(-1)).toBe('manifest');
  });
});
