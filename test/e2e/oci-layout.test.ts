// `--output oci:DIR` writes a valid OCI image layout, also from a Docker-format base (our stand-in is
// one: `docker push` made it): OCI media types in index.json and the manifest, the tag as
// `org.opencontainers.image.ref.name`. umoci, oci-image-tool and skopeo (Debian packages that
// scripts/ensure-engine.sh installs) each accept it. Two models into one layout folder is a usage error.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { run } from './support/exec.mjs';
import { uaiBin } from './support/paths.mjs';
import { createProject, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';

const registry = e2eContext();
const client = registryClient(registry);
const oci = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layers: ['application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip'],
};

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** `uai build --builder native ...` in the project, no Docker engine reachable. */
function uaiNative(project: Project, args: string[]) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|DOCKER_|XDG_)/.test(key))),
    PATH: `${project.binDir}:${process.env.PATH}`,
    HOME: project.home,
    DOCKER_CONFIG: project.dockerConfig,
    DOCKER_HOST: 'unix:///nonexistent/uai-e2e-no-engine.sock',
    TMPDIR: project.tmp,
    CI: 'true',
    UAI_REGISTRY_HOST: registry.host,
    UHUB_USERNAME: registry.username,
    UHUB_PASSWORD: registry.password,
  };
  return run(process.execPath, [uaiBin, 'build', '--builder', 'native', ...args], { cwd: project.dir, env, timeoutMs: 240_000 });
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

let project: Project;
let layout: string;
let pushed: { digest: string; image: string };

beforeAll(async () => {
  project = await createProject({
    models: [
      { name: 'alpha', image: 'oci-alpha:v1' },
      { name: 'beta', image: 'oci-beta:v2' },
    ],
  });
  layout = path.join(project.tmp, '..', 'layout');
  const built = await uaiNative(project, ['--json', '--model', 'alpha', '--output', `oci:${layout}`]);
  if (built.code !== 0) throw new Error(`uai build exited ${built.code}:\n${built.stdout}\n${built.stderr}`);
  pushed = JSON.parse(built.stdout).models[0];
});

afterAll(async () => {
  await project?.remove();
});

describe('--output oci:DIR from a Docker-format base', () => {
  it('writes OCI media types, the same config and layer blobs as the push, and the tag as ref.name', async () => {
    const index = await readJson(path.join(layout, 'index.json'));
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const [entry, ...more] = index.manifests as Descriptor[];
    expect(more).toEqual([]);
    expect(entry!.mediaType).toBe(oci.manifest);
    expect(entry!.annotations).toEqual({ 'org.opencontainers.image.ref.name': 'v1' });
    const manifest = await readJson(path.join(layout, 'blobs/sha256', entry!.digest.slice(7)));
    expect(manifest.mediaType).toBe(oci.manifest);
    expect(manifest.config.mediaType).toBe(oci.config);
    for (const layer of manifest.layers as Descriptor[]) expect(oci.layers).toContain(layer.mediaType);
    // The registry holds the Docker-format manifest (the base's family); the layout the OCI one, of the same blobs.
    const { repository, reference } = splitImageRef(pushed.image);
    const remote = await client.manifest(repository, reference);
    expect(remote.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(remote.digest).toBe(pushed.digest);
    expect(entry!.digest).not.toBe(pushed.digest);
    expect(manifest.config.digest).toBe(remote.manifest.config.digest);
    expect((manifest.layers as Descriptor[]).map((layer) => layer.digest)).toEqual(remote.manifest.layers.map((layer) => layer.digest));
  });

  it('is accepted by oci-image-tool validate', async () => {
    // Debian's oci-image-tool (1.0.0-rc1) validates a layout as `--type image` (`imageLayout` is unimplemented there).
    const image = await run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=v1', layout]);
    expect(image.code, `${image.stdout}\n${image.stderr}`).toBe(0);
    expect(image.stdout).toContain('Validation succeeded');
    const [entry] = (await readJson(path.join(layout, 'index.json'))).manifests as Descriptor[];
    const manifestFile = path.join(layout, 'blobs/sha256', entry!.digest.slice(7));
    const configFile = path.join(layout, 'blobs/sha256', (await readJson(manifestFile)).config.digest.slice(7));
    for (const [type, file] of [
      ['imageIndex', path.join(layout, 'index.json')],
      ['manifest', manifestFile],
      ['config', configFile],
    ]) {
      const checked = await run('oci-image-tool', ['validate', '--type', type!, file!]);
      expect(checked.code, `${type}: ${checked.stdout}\n${checked.stderr}`).toBe(0);
    }
  });

  it('is unpacked by umoci into a bundle holding our files', async () => {
    const bundle = path.join(project.tmp, '..', 'bundle');
    // As root umoci makes the files as their owners; otherwise only --rootless can.
    const rootless = process.getuid?.() === 0 ? [] : ['--rootless'];
    const unpacked = await run('umoci', ['unpack', ...rootless, '--image', `${layout}:v1`, bundle]);
    expect(unpacked.code, `${unpacked.stdout}\n${unpacked.stderr}`).toBe(0);
    const rootfs = path.join(bundle, 'rootfs', 'ai-ucloud-client-django');
    expect(JSON.parse(await readFile(path.join(rootfs, 'ufile.json'), 'utf8'))).toMatchObject({ http_server: { exec: { main_class: 'MnistModel' } } });
    expect(existsSync(path.join(rootfs, 'mnist_inference.py'))).toBe(true);
    // The image's Cmd and Env reach the runtime config.
    const config = await readJson(path.join(bundle, 'config.json'));
    expect(config.process.args.join(' ')).toContain('gunicorn -c gunicorn.conf.py httpserver.wsgi');
  });

  it('is read by skopeo inspect oci:DIR:<tag>', async () => {
    const inspected = await run('skopeo', ['inspect', `oci:${layout}:v1`]);
    expect(inspected.code, inspected.stderr).toBe(0);
    const info = JSON.parse(inspected.stdout);
    const [entry] = (await readJson(path.join(layout, 'index.json'))).manifests as Descriptor[];
    expect(info.Digest).toBe(entry!.digest);
    expect(info.Labels).toMatchObject({ 'ai.uai.model': 'alpha' });
  });
});

describe('two models, one layout folder', () => {
  it('is a usage error (2) naming {model}, before anything is built', async () => {
    const shared = path.join(project.tmp, '..', 'shared-layout');
    const result = await uaiNative(project, ['--no-push', '--output', `oci:${shared}`]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('{model}');
    expect(existsSync(shared)).toBe(false);
  });

  it('works with {model} in the path: a layout per model', async () => {
    const each = path.join(project.tmp, '..', 'layouts', '{model}');
    const result = await uaiNative(project, ['--no-push', '--output', `oci:${each}`]);
    expect(result.code, result.stderr).toBe(0);
    for (const [model, tag] of [
      ['alpha', 'v1'],
      ['beta', 'v2'],
    ]) {
      const dir = each.replace('{model}', model!);
      expect((await readJson(path.join(dir, 'index.json'))).manifests[0].annotations['org.opencontainers.image.ref.name']).toBe(tag);
      const check = await run('skopeo', ['inspect', `oci:${dir}:${tag}`]);
      expect(check.code, check.stderr).toBe(0);
    }
  });
});
