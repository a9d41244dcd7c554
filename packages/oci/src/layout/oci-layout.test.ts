import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageBlobs } from './image-blobs.js';
import { writeDockerArchive } from './docker-archive.js';
import { writeOciLayout } from './oci-layout.js';

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const oci = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
};
const docker = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar',
};

/** An image of two layers (`shared`, and one of its own) tagged `tag`, its manifest in the media types of `family`. */
function image(name: string, shared: Buffer, family = oci, tag = name): ImageBlobs {
  const config = Buffer.from(JSON.stringify({ name }));
  const own = Buffer.from(`layer of ${name}`);
  const layers = [shared, own].map((bytes) => ({
    digest: digestOf(bytes),
    size: bytes.length,
    open: async function* () {
      yield bytes.subarray(0, 3);
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield bytes.subarray(3);
    },
  }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: family.manifest,
      config: { mediaType: family.config, digest: digestOf(config), size: config.length },
      layers: layers.map((layer) => ({ mediaType: family.layer, digest: layer.digest, size: layer.size })),
    }),
  );
  return { refName: tag, manifest, manifestDigest: digestOf(manifest), manifestMediaType: family.manifest, config, configDigest: digestOf(config), layers };
}

interface Index {
  mediaType: string;
  manifests: { mediaType: string; digest: string; size: number; annotations: Record<string, string> }[];
}
const readIndex = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as Index;

describe('writeOciLayout', () => {
  it('keeps every image of several written into one layout, also when written at once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-oci-'));
    const shared = Buffer.alloc(1000, 3); // a base layer both share
    const [a, b, c] = [image('a', shared), image('b', shared), image('c', shared)];
    await writeOciLayout(dir, a);
    await Promise.all([writeOciLayout(dir, b), writeOciLayout(dir, c)]);
    const index = readIndex(dir);
    expect(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']).sort()).toEqual(['a', 'b', 'c']);
    expect(index.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === b.refName)?.digest).toBe(b.manifestDigest);
    // No temp files left behind; the shared blob is whole.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(path.join(dir, 'blobs', 'sha256')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(digestOf(readFileSync(path.join(dir, 'blobs', 'sha256', digestOf(shared).slice(7))))).toBe(digestOf(shared));
  });

  it('replaces the entry of a name written again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-oci-'));
    const first = image('a', Buffer.from('x'));
    await writeOciLayout(dir, first);
    const again = image('a2', Buffer.from('y'), oci, 'a');
    await writeOciLayout(dir, again);
    expect(readIndex(dir).manifests.map((m) => m.digest)).toEqual([again.manifestDigest]);
  });

  it('writes OCI media types in index.json and the manifest, and the tag as ref.name', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-oci-'));
    const written = image('model', Buffer.from('base layer'), oci, 'v1');
    await writeOciLayout(dir, written);
    const index = readIndex(dir);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests).toEqual([
      { mediaType: oci.manifest, digest: written.manifestDigest, size: written.manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } },
    ]);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'blobs', 'sha256', written.manifestDigest.slice(7)), 'utf8'));
    expect([manifest.mediaType, manifest.config.mediaType, ...manifest.layers.map((l: { mediaType: string }) => l.mediaType)]).toEqual([
      oci.manifest,
      oci.config,
      oci.layer,
      oci.layer,
    ]);
    expect(JSON.parse(readFileSync(path.join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  it('refuses a Docker-format manifest (or Docker media types in an OCI one), writing nothing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-oci-'));
    const dockerImage = image('d', Buffer.from('base'), docker, 'v1');
    await expect(writeOciLayout(dir, dockerImage)).rejects.toThrow(`has media type ${docker.manifest}`);
    const mixed = image('m', Buffer.from('base'), { ...oci, layer: docker.layer }, 'v1');
    await expect(writeOciLayout(dir, mixed)).rejects.toThrow(`has media type ${docker.layer}`);
    const dockerConfig = image('c', Buffer.from('base'), { ...oci, config: docker.config }, 'v1');
    await expect(writeOciLayout(dir, dockerConfig)).rejects.toThrow(`has media type ${docker.config}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes no blob whose bytes do not hash to its digest, and no index naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-oci-'));
    const bad = image('a', Buffer.from('a base layer'));
    bad.layers[0] = { ...bad.layers[0]!, open: image('a', Buffer.from('a base layeR')).layers[0]!.open };
    await expect(writeOciLayout(dir, bad)).rejects.toThrow(bad.layers[0]!.digest);
    expect(readdirSync(path.join(dir, 'blobs', 'sha256'))).toEqual([]);
    expect(existsSync(path.join(dir, 'index.json'))).toBe(false);
  });
});

describe('writeDockerArchive', () => {
  it('writes no archive when a layer does not hash to its digest', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-archive-'));
    const good = image('a', Buffer.from('a base layer'), docker);
    await writeDockerArchive(path.join(dir, 'good.tar'), good, 'ns/a:v1');
    expect(existsSync(path.join(dir, 'good.tar'))).toBe(true);
    const bad = { ...good, layers: [{ ...good.layers[0]!, open: image('a', Buffer.from('a base layeR')).layers[0]!.open }, good.layers[1]!] };
    await expect(writeDockerArchive(path.join(dir, 'bad.tar'), bad, 'ns/a:v1')).rejects.toThrow(good.layers[0]!.digest);
    expect(readdirSync(dir)).toEqual(['good.tar']);
  });
});
