// Issue 5: the native builder. With DOCKER_HOST pointing nowhere, `uai build --builder native` pushes to
// the authenticated registry; the real engine then pulls and runs the image, which answers POST /service.
// The same inputs give the same digest (twice in one project, and from a fresh copy of it); a one-line
// code change adds under 1% of the weights' bytes to the registry; docker-archive and OCI layout outputs
// load and run.
import { randomBytes } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { docker, run } from './support/exec.mjs';
import { uaiBin } from './support/paths.mjs';
import { createProject, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';
import { callService, startService } from './support/service.mjs';

const registry = e2eContext();
const client = registryClient(registry);
const weightsBytes = 24 * 1024 * 1024;
const nowhere = 'unix:///nonexistent/uai-e2e-no-engine.sock';

interface JsonModel {
  name: string;
  image: string;
  status: string;
  digest: string | null;
  error: { step: string; code: string; message: string } | null;
}

/** Runs `uai build --builder native ...` in the project, with no Docker engine reachable. */
async function uaiNative(project: Project, args: string[], extra: Record<string, string> = {}) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|DOCKER_|XDG_)/.test(key))),
    PATH: `${project.binDir}:${process.env.PATH}`,
    HOME: project.home,
    DOCKER_CONFIG: project.dockerConfig,
    DOCKER_HOST: nowhere,
    TMPDIR: project.tmp,
    CI: 'true',
    UAI_REGISTRY_HOST: registry.host,
    UHUB_USERNAME: registry.username,
    UHUB_PASSWORD: registry.password,
    ...extra,
  };
  const started = Date.now();
  const result = await run(process.execPath, [uaiBin, 'build', '--builder', 'native', ...args], { cwd: project.dir, env, timeoutMs: 240_000 });
  return { ...result, durationMs: Date.now() - started };
}

async function newProject(): Promise<Project> {
  const project = await createProject({ models: [{ name: 'native', image: 'caffe-native:e2e' }] });
  // Weights worth measuring against: 24 MB of float32 noise beside the example's model files.
  await writeFile(path.join(project.dir, 'models/native/checkpoint_dir/weights.bin'), randomBytes(weightsBytes));
  return project;
}

function onlyModel(stdout: string): JsonModel {
  const report = JSON.parse(stdout) as { models: JsonModel[] };
  expect(report.models).toHaveLength(1);
  return report.models[0]!;
}

/** Bytes a push added to the registry: the blobs of `after` that `before` did not have, config and manifest included. */
async function addedBytes(repository: string, before: string, after: string): Promise<number> {
  const old = await client.manifest(repository, before);
  const now = await client.manifest(repository, after);
  const had = new Set([old.manifest.config.digest, ...old.manifest.layers.map((layer) => layer.digest)]);
  const blobs = [now.manifest.config, ...now.manifest.layers] as { digest: string; size: number }[];
  const manifestSize = Buffer.byteLength(JSON.stringify(now.manifest));
  return blobs.filter((blob) => !had.has(blob.digest)).reduce((sum, blob) => sum + blob.size, manifestSize);
}

let project: Project;
let first: JsonModel;
let firstRun: Awaited<ReturnType<typeof uaiNative>>;
const ref = () => project.imageRef(registry.host, 'caffe-native:e2e');

beforeAll(async () => {
  project = await newProject();
  firstRun = await uaiNative(project, ['--json']);
  process.stderr.write(`[e2e] native build+push took ${firstRun.durationMs} ms\n`);
  if (firstRun.code !== 0 && !firstRun.stdout.trim()) throw new Error(`uai failed:\n${firstRun.stderr}`);
  first = onlyModel(firstRun.stdout);
});

afterAll(async () => {
  await project?.remove();
});

describe('uai build --builder native, no Docker engine', () => {
  it('pushes the image and reports the registry digest', async () => {
    expect(firstRun.code, firstRun.stderr).toBe(0);
    expect(first.status).toBe('pushed');
    const { repository, reference } = splitImageRef(first.image);
    expect((await client.manifest(repository, reference)).digest).toBe(first.digest);
  });

  it('never ran docker', async () => {
    const calls = await readFile(project.dockerLog, 'utf8').catch(() => '');
    expect(calls).toBe('');
  });

  it('puts the weights in their own uncompressed layer, the code and config in small gzip layers', async () => {
    const { repository, reference } = splitImageRef(first.image);
    const { manifest } = await client.manifest(repository, reference);
    const ours = manifest.layers.slice(-3) as { mediaType: string; size: number }[];
    expect(ours.map((layer) => layer.mediaType)).toEqual([
      'application/vnd.docker.image.rootfs.diff.tar',
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
    ]);
    expect(ours[0]!.size).toBeGreaterThan(weightsBytes);
    expect(ours[1]!.size + ours[2]!.size).toBeLessThan(16 * 1024);
    const { config, history, created } = await client.imageConfig(repository, reference);
    expect(config.Cmd).toEqual(['/bin/sh', '-c', 'cd /ai-ucloud-client-django && gunicorn -c gunicorn.conf.py httpserver.wsgi']);
    expect(config.ExposedPorts).toMatchObject({ '8080/tcp': {} });
    expect(config.Env).toEqual(expect.arrayContaining(['UAI_SERVICE_CONFIG=/ai-ucloud-client-django/ufile.json', 'PYTHONPATH=/root/caffe/python']));
    expect(created).toBe('1970-01-01T00:00:00Z');
    expect(history.filter((entry: { empty_layer?: boolean }) => !entry.empty_layer)).toHaveLength(manifest.layers.length);
  });

  it('is pulled and run by the real engine and answers POST /service', async () => {
    await run('docker', ['rmi', ref()]);
    await docker(registry.dockerConfig, ['pull', '--quiet', ref()]);
    const service = await startService({ image: ref(), dockerConfig: registry.dockerConfig });
    try {
      const answer = await callService('native');
      expect(answer.status, answer.body).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok', framework: 'caffe', main_file: 'mnist_inference', main_class: 'MnistModel' });
    } finally {
      await service.stop();
    }
  });
});

describe('reproducible', () => {
  it('gives the same digest when built again', async () => {
    const again = await uaiNative(project, ['--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(onlyModel(again.stdout).digest).toBe(first.digest);
  });

  it('gives the same digest from a fresh copy of the project (other paths, inodes, mtimes, no cache)', async () => {
    const copy = await mkdtemp(path.join(os.tmpdir(), 'uai-e2e-copy-'));
    try {
      await cp(path.join(project.dir, 'models'), path.join(copy, 'models'), { recursive: true });
      await cp(path.join(project.dir, 'uai.config.ts'), path.join(copy, 'uai.config.ts'));
      await cp(path.join(project.dir, 'node_modules'), path.join(copy, 'node_modules'), { verbatimSymlinks: true });
      const again = await uaiNative({ ...project, dir: copy }, ['--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(onlyModel(again.stdout).digest).toBe(first.digest);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

describe('a one-line code change', () => {
  it('adds under 1% of the weights bytes to the registry', async () => {
    await appendFile(path.join(project.dir, 'models/native/mnist_inference.py'), '# one more line\n');
    const changed = await uaiNative(project, ['--json']);
    expect(changed.code, changed.stderr).toBe(0);
    const model = onlyModel(changed.stdout);
    expect(model.digest).not.toBe(first.digest);
    const { repository } = splitImageRef(model.image);
    const added = await addedBytes(repository, first.digest!, model.digest!);
    process.stderr.write(`[e2e] code change added ${added} bytes (${((100 * added) / weightsBytes).toFixed(3)}% of the weights)\n`);
    expect(added).toBeLessThan(weightsBytes / 100);
  });
});

describe('outputs without a registry push', () => {
  it('writes a docker-archive that docker load reads and runs', async () => {
    const archive = path.join(project.tmp, '..', 'image.tar');
    const built = await uaiNative(project, ['--json', '--no-push', '--output', `docker-archive:${archive}`]);
    expect(built.code, built.stderr).toBe(0);
    expect(onlyModel(built.stdout).status).toBe('built');
    await run('docker', ['rmi', ref()]);
    const loaded = await run('docker', ['load', '--input', archive]);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain(ref());
    const service = await startService({ image: ref() });
    try {
      expect((await callService('archive')).status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it('writes an OCI image layout whose blobs match their digests', async () => {
    const layout = path.join(project.tmp, '..', 'layout');
    const built = await uaiNative(project, ['--json', '--no-push', '--output', `oci:${layout}`]);
    expect(built.code, built.stderr).toBe(0);
    const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8'));
    expect(JSON.parse(await readFile(path.join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const [entry] = index.manifests;
    // The tag, as umoci, skopeo and oci-image-tool look images up (test/e2e/oci-layout.test.ts runs them).
    expect(entry.annotations['org.opencontainers.image.ref.name']).toBe('e2e');
    expect(entry.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const manifest = JSON.parse(await readFile(path.join(layout, 'blobs/sha256', entry.digest.slice(7)), 'utf8'));
    for (const blob of [manifest.config, ...manifest.layers]) {
      const check = await run('sha256sum', [path.join(layout, 'blobs/sha256', blob.digest.slice(7))]);
      expect(check.stdout.split(' ')[0]).toBe(blob.digest.slice(7));
    }
  });
});
