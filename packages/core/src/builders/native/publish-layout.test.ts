import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BaseImage, PreparedLayer, RegistryClient } from '@uai/oci';
import { describe, expect, it } from 'vitest';
import type { ModelPlan } from '../../plan/plan.js';
import { composeImage, type ImageRecipe } from './compose.js';
import type { PackedModel } from './pack.js';
import { checkOutputFolders, outputPublisher } from './publish-layout.js';

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const docker = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};

/** A model packed on a Docker-format base (as `docker push` makes them) of one gzip layer, with one layer of ours. */
function packedOnDockerBase(): PackedModel {
  const baseLayer = Buffer.from('a gzip base layer');
  const ours = Buffer.from('our code layer');
  const config = { architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: [sha(baseLayer)] } };
  const base = {
    ref: { host: '127.0.0.1:5000', repository: 'uaishare/base', tag: 'v1' },
    digest: `sha256:${'1'.repeat(64)}`,
    referenceDigest: `sha256:${'1'.repeat(64)}`,
    format: 'docker',
    manifest: { schemaVersion: 2, mediaType: docker.manifest, config: { mediaType: docker.config, digest: sha(Buffer.from('x')), size: 1 }, layers: [] },
    layers: [{ mediaType: docker.layerGzip, digest: sha(baseLayer), size: baseLayer.length }],
    config,
  } as unknown as BaseImage;
  const recipe: ImageRecipe = {
    base,
    layers: [{ size: ours.length, gzip: false, createdBy: 'COPY code' }],
    labels: { 'ai.uai.model': 'm' },
    env: [],
    exposedPorts: ['8080/tcp'],
    created: 0,
  };
  const layer = {
    digest: sha(ours),
    diffId: sha(ours),
    size: ours.length,
    gzip: false,
    open: async function* () {
      yield ours;
    },
  } as unknown as PreparedLayer;
  const baseClient = {
    getBlob: async () =>
      (async function* () {
        yield baseLayer;
      })(),
  } as unknown as RegistryClient;
  const plan = { name: 'm', imageRef: '127.0.0.1:5000/ns/app:v1' } as ModelPlan;
  return { plan, recipe, layers: [layer], names: ['code'], baseClient };
}

const ctx = () => ({ signal: new AbortController().signal, log: () => {} });
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('outputPublisher, oci', () => {
  it('writes an OCI image from a Docker-format base: OCI media types, the same config and layers, the tag as ref.name', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-layout-')), 'out');
    const packed = packedOnDockerBase();
    const pushed = composeImage(packed.recipe, [{ digest: packed.layers[0]!.digest!, diffId: packed.layers[0]!.digest! }]);
    expect(pushed.manifestMediaType).toBe(docker.manifest); // the registry gets the base's family
    await outputPublisher(`oci:${dir}`, '/').publish(packed, pushed, ctx());

    const index = json(path.join(dir, 'index.json'));
    expect(index.manifests).toHaveLength(1);
    const [entry] = index.manifests;
    expect(entry.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(entry.annotations).toEqual({ 'org.opencontainers.image.ref.name': 'v1' });
    const manifest = json(path.join(dir, 'blobs', 'sha256', entry.digest.slice(7)));
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config).toEqual({ mediaType: 'application/vnd.oci.image.config.v1+json', digest: pushed.configDigest, size: pushed.config.length });
    expect(manifest.layers.map((layer: { mediaType: string }) => layer.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar',
    ]);
    const pushedLayers = JSON.parse(pushed.manifest.toString()).layers.map((layer: { digest: string }) => layer.digest);
    expect(manifest.layers.map((layer: { digest: string }) => layer.digest)).toEqual(pushedLayers);
    expect(readFileSync(path.join(dir, 'blobs', 'sha256', pushed.configDigest.slice(7)))).toEqual(pushed.config);
    // The layout's manifest is another one than the pushed: another digest.
    expect(entry.digest).not.toBe(pushed.manifestDigest);
  });

  it('keeps the Docker image as it is in a docker-archive (docker load reads Docker media types)', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-archive-')), 'image.tar');
    const packed = packedOnDockerBase();
    const pushed = composeImage(packed.recipe, [{ digest: packed.layers[0]!.digest!, diffId: packed.layers[0]!.digest! }]);
    await outputPublisher(`docker-archive:${file}`, '/').publish(packed, pushed, ctx());
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).includes(Buffer.from('"RepoTags":["127.0.0.1:5000/ns/app:v1"]'))).toBe(true);
  });
});

describe('composeImage in a given format', () => {
  it('gives the same config (and inputs key) in either family; only the manifest differs', () => {
    const packed = packedOnDockerBase();
    const digests = [{ digest: packed.layers[0]!.digest!, diffId: packed.layers[0]!.digest! }];
    const [asBase, asOci] = [composeImage(packed.recipe, digests), composeImage(packed.recipe, digests, 'oci')];
    expect(asOci.config).toEqual(asBase.config);
    expect(asOci.inputsKey).toBe(asBase.inputsKey);
    expect(asOci.manifestMediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(asOci.manifestDigest).not.toBe(asBase.manifestDigest);
  });
});

describe('checkOutputFolders', () => {
  it('refuses two models into one OCI layout (usage, 2), naming {model}', () => {
    const check = () => checkOutputFolders('oci:out', '/project', ['a', 'b']);
    expect(check).toThrow(expect.objectContaining({ code: 'UAI_USAGE', exitCode: 2 }));
    expect(check).toThrow('Put {model} in the path for a layout per model (--output oci:out/{model})');
    expect(check).toThrow('models a and b would both write the OCI layout /project/out');
  });

  it('takes a layout per model, one model, and docker-archive (the last model wins there, as before)', () => {
    expect(() => checkOutputFolders('oci:out/{model}', '/project', ['a', 'b'])).not.toThrow();
    expect(() => checkOutputFolders('oci:out', '/project', ['a'])).not.toThrow();
    expect(() => checkOutputFolders('docker-archive:image.tar', '/project', ['a', 'b'])).not.toThrow();
    expect(() => checkOutputFolders(undefined, '/project', ['a', 'b'])).not.toThrow();
  });
});
