import { describe, expect, it } from 'vitest';
import { jsonBytes, sha256Digest } from '../image/digest.js';
import { buildManifest } from '../image/manifest.js';
import { mediaTypes } from '../image/media-types.js';
import type { BlobSharing } from '../cache/blob-locations.js';
import type { LocalLayer } from '../layer/prepare-layer.js';
import type { RegistryClient } from './client.js';
import { pushImage } from './push-image.js';
import type { BaseImage } from './read-image.js';

/** A registry that records the order of events; each blob upload takes a few ticks. */
function recordingTarget() {
  const events: string[] = [];
  /** Per blob: whether pushBlob was to ask the registry (HEAD) first, and where it was to mount from. */
  const asked = new Map<string, { head: boolean; mountFrom?: string }>();
  const target = {
    async pushBlob(
      _repository: string,
      blob: { digest?: string; size: number; open: () => AsyncIterable<Buffer> },
      options: { skipExisting?: boolean; mountFrom?: string } = {},
    ) {
      const name = blob.size >= 1000 ? 'layer' : 'small';
      asked.set(blob.digest ?? '(hashed on the way)', { head: options.skipExisting !== false, mountFrom: options.mountFrom });
      events.push(`start ${name} ${blob.digest ?? '(hashed on the way)'}`);
      if (options.mountFrom) return { digest: blob.digest!, uploaded: false, mounted: true };
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
  return { events, asked, target: target as unknown as RegistryClient };
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
  return {
    digest: knownDigest ? sha256Digest(bytes) : undefined,
    size: bytes.length,
    gzip: false,
    open: async function* () {
      yield bytes;
    },
  };
}

describe('pushImage', () => {
  const weights = Buffer.alloc(1000, 7);
  /** The caller's image: a config naming our layers, and a manifest of the base's layers then ours. */
  const composeOn = (image: BaseImage, sizes: readonly number[]) => (digests: readonly { digest: string }[]) => {
    const config = jsonBytes({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: digests.map((d) => d.digest) } });
    const ours = digests.map((d, i) => ({ digest: d.digest, size: sizes[i]!, gzip: false }));
    const manifest = jsonBytes(buildManifest('oci', { digest: sha256Digest(config), size: config.length }, image.layers, ours));
    return { config, manifest, manifestMediaType: mediaTypes.ociManifest };
  };
  const compose = composeOn(base, [weights.length]);

  it('sends the config alongside the layers when every digest is known (a rebuild), the manifest last', async () => {
    const { events, target } = recordingTarget();
    await pushImage({ target, repository: 'ns/m', tag: 'v1', base, layers: [layer(weights, true)], compose });
    const configStart = events.findIndex((e) => e.startsWith('start small'));
    const layerEnd = events.findIndex((e) => e.startsWith('end layer'));
    expect(configStart).toBeGreaterThan(-1);
    expect(configStart).toBeLessThan(layerEnd);
    expect(events.at(-1)).toBe('manifest');
  });

  it('sends the config after the layers when a digest is found only on the way up, with that digest in it', async () => {
    const { events, target } = recordingTarget();
    const result = await pushImage({ target, repository: 'ns/m', tag: 'v1', base, layers: [layer(weights, false)], compose });
    const configStart = events.findIndex((e) => e.startsWith('start small'));
    expect(configStart).toBeGreaterThan(events.findIndex((e) => e.startsWith('end layer')));
    expect(JSON.parse(result.config.toString()).rootfs.diff_ids).toEqual([sha256Digest(weights)]);
    expect(events.at(-1)).toBe('manifest');
  });

  it("sends nothing the tag's manifest holds, and with that knowledge uploads small new blobs without asking", async () => {
    const { events, asked, target } = recordingTarget();
    const baseLayer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'1'.repeat(64)}`, size: 5000 };
    const otherBase = { ...baseLayer, digest: `sha256:${'2'.repeat(64)}` };
    const withLayers = { ...base, layers: [baseLayer, otherBase] } as BaseImage;
    const big = Buffer.alloc(2 * 1024 * 1024, 3);
    const code = Buffer.from('print(1)\n');
    const result = await pushImage({
      target,
      repository: 'ns/m',
      tag: 'v1',
      base: withLayers,
      layers: [layer(weights, true), layer(big, true), layer(code, true)],
      compose: composeOn(withLayers, [weights.length, big.length, code.length]),
      present: new Set([baseLayer.digest, sha256Digest(weights)]),
    });
    // Held already: neither checked nor sent, yet in the manifest.
    expect(asked.has(baseLayer.digest)).toBe(false);
    expect(asked.has(sha256Digest(weights))).toBe(false);
    expect(JSON.parse(result.manifest.toString()).layers.map((l: { digest: string }) => l.digest)).toEqual([
      baseLayer.digest,
      otherBase.digest,
      sha256Digest(weights),
      sha256Digest(big),
      sha256Digest(code),
    ]);
    // The other base layer: mounted, and asked for if the registry refuses the mount (a base may be GBs).
    expect(asked.get(otherBase.digest)).toEqual({ head: true, mountFrom: 'uaishare/base' });
    // Above 1 MiB a HEAD first; small blobs (code, the image config) go up without one.
    expect(asked.get(sha256Digest(big))).toEqual({ head: true, mountFrom: undefined });
    expect(asked.get(sha256Digest(code))).toEqual({ head: false, mountFrom: undefined });
    expect(asked.get(sha256Digest(result.config))).toEqual({ head: false, mountFrom: undefined });
    expect(events.at(-1)).toBe('manifest');
  });

  it('on a fresh tag, uploads small blobs without asking and asks about big ones', async () => {
    const { asked, target } = recordingTarget();
    const big = Buffer.alloc(2 * 1024 * 1024, 3);
    const code = Buffer.from('print(1)\n');
    const result = await pushImage({ target, repository: 'ns/m', tag: 'v1', base, layers: [layer(big, true), layer(code, true)], compose, freshTag: true });
    expect(asked.get(sha256Digest(big))).toEqual({ head: true, mountFrom: undefined });
    expect(asked.get(sha256Digest(code))).toEqual({ head: false, mountFrom: undefined });
    expect(asked.get(sha256Digest(result.config))).toEqual({ head: false, mountFrom: undefined });
  });

  it('asks the registry about every blob when nothing is known of what the tag holds', async () => {
    const { asked, target } = recordingTarget();
    const code = Buffer.from('print(1)\n');
    const result = await pushImage({ target, repository: 'ns/m', tag: 'v1', base, layers: [layer(code, true)], compose });
    expect(asked.get(sha256Digest(code))).toEqual({ head: true, mountFrom: undefined });
    expect(asked.get(sha256Digest(result.config))).toEqual({ head: true, mountFrom: undefined });
  });

  it('sends big layers through `sharing`: hashed first when it asks, mounted from the repository it names', async () => {
    const { asked, target } = recordingTarget();
    const big = Buffer.alloc(2 * 1024 * 1024, 3);
    const held = Buffer.alloc(2 * 1024 * 1024, 4);
    const code = Buffer.from('print(1)\n');
    const shared: string[] = [];
    const hashed: number[] = [];
    const sharing: BlobSharing = {
      async share(repository, blob, push) {
        const digest = blob.digest ?? (await blob.digestOf!());
        shared.push(`${repository} ${blob.size}`);
        return push(digest === sha256Digest(big) ? 'ns/other' : undefined, digest);
      },
    };
    const result = await pushImage({
      target,
      repository: 'ns/m',
      tag: 'v1',
      base,
      layers: [layer(big, false), layer(held, false), layer(code, true)],
      compose: composeOn(base, [big.length, held.length, code.length]),
      // The tag's image holds `held`: once hashed, it needs nothing more.
      present: new Set([sha256Digest(held)]),
      sharing,
      digestOf: async (index) => {
        hashed.push(index);
        return sha256Digest([big, held][index]!);
      },
    });
    expect(shared.sort()).toEqual([`ns/m ${big.length}`, `ns/m ${held.length}`]);
    expect(hashed.sort()).toEqual([0, 1]);
    expect(asked.get(sha256Digest(big))).toEqual({ head: true, mountFrom: 'ns/other' });
    expect(asked.has(sha256Digest(held))).toBe(false);
    expect(asked.get(sha256Digest(code))).toEqual({ head: false, mountFrom: undefined });
    expect(result.layerDigests).toEqual([sha256Digest(big), sha256Digest(held), sha256Digest(code)]);
    expect(result.bytesUploaded).toBe(code.length);
  });
});
