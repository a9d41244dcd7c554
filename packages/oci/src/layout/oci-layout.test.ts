import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageBlobs } from './image-blobs.js';
import { writeDockerArchive } from './docker-archive.js';
import { writeOciLayout } from './oci-layout.js';

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function image(name: string, shared: Buffer): ImageBlobs {
  const config = Buffer.from(JSON.stringify({ name }));
  const own = Buffer.from(`layer of ${name}`);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, name }));
  return {
    refName: `127.0.0.1:5000/ns/${name}:v1`,
    manifest,
    manifestDigest: digestOf(manifest),
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    config,
    configDigest: digestOf(config),
    layers: [shared, own].map((bytes) => ({
      digest: digestOf(bytes),
      size: bytes.length,
      open: async function* () {
        yield bytes.subarray(0, 3);
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield bytes.subarray(3);
      },
    })),
  };
}

describe('writeOciLayout', () => {
  it('keeps every image of several written into one layout, also when written at once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-oci-'));
    const shared = Buffer.alloc(1000, 3); // a base layer both share
    const [a, b, c] = [image('a', shared), image('b', shared), image('c', shared)];
    await writeOciLayout(dir, a);
    await Promise.all([writeOciLayout(dir, b), writeOciLayout(dir, c)]);
    const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    expect(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']).sort()).toEqual([a.refName, b.refName, c.refName]);
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
    const again = { ...image('a2', Buffer.from('y')), refName: first.refName };
    await writeOciLayout(dir, again);
    const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests.map((m) => m.digest)).toEqual([again.manifestDigest]);
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
    const good = image('a', Buffer.from('a base layer'));
    await writeDockerArchive(path.join(dir, 'good.tar'), good, 'ns/a:v1');
    expect(existsSync(path.join(dir, 'good.tar'))).toBe(true);
    const bad = { ...good, layers: [{ ...good.layers[0]!, open: image('a', Buffer.from('a base layeR')).layers[0]!.open }, good.layers[1]!] };
    await expect(writeDockerArchive(path.join(dir, 'bad.tar'), bad, 'ns/a:v1')).rejects.toThrow(good.layers[0]!.digest);
    expect(readdirSync(dir)).toEqual(['good.tar']);
  });
});
