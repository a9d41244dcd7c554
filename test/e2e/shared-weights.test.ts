// Issue 15, weights layers of the native builder: each file of modelDir of 64 MiB or more is a layer of
// its own, so a file two models share goes up once per registry (the second repository mounts it, in
// the same run or a later one, from what .uai/cache/blobs.json recorded), and a changed weight file
// re-pushes only itself. Bytes are counted by a recording proxy in front of the registry.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { docker, run } from './support/exec.mjs';
import { startFaultProxy, type FaultProxy, type ProxyEvent } from './support/fault-proxy.js';
import { uaiBin } from './support/paths.mjs';
import { createProject, readTree, type Project } from './support/project.js';
import { registryClient } from './support/registry-client.mjs';
import { callService, startService } from './support/service.mjs';

const registry = e2eContext();
const client = registryClient(registry);
const MB = 1000 * 1000;
const sharedBytes = 100 * MB;
const extraBytes = 70 * MB; // over 64 MiB (67.1 MB): a layer of its own too
const app = 'ai-ucloud-client-django';

interface JsonModel {
  name: string;
  image: string;
  status: string;
  digest: string | null;
}

let proxy: FaultProxy;
let project: Project;
const shared = randomBytes(sharedBytes);
const repository = (name: string) => `${project.namespace}/caffe-${name}`;

/** `uai build --builder native --json` of these models, through the proxy; what the proxy saw of it. */
async function build(models: string[]) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|DOCKER_|XDG_)/.test(key))),
    HOME: project.home,
    DOCKER_CONFIG: project.dockerConfig,
    DOCKER_HOST: 'unix:///nonexistent/uai-e2e-no-engine.sock',
    TMPDIR: project.tmp,
    CI: 'true',
    UAI_REGISTRY_HOST: proxy.host,
    UHUB_USERNAME: registry.username,
    UHUB_PASSWORD: registry.password,
  };
  proxy.events.length = 0;
  const args = [uaiBin, 'build', '--builder', 'native', '--json', ...models.flatMap((model) => ['--model', model])];
  const result = await run(process.execPath, args, { cwd: project.dir, env, timeoutMs: 240_000 });
  if (!result.stdout.trim()) throw new Error(`uai printed no report (exit ${result.code}):\n${result.stderr}`);
  const events = [...proxy.events];
  return { ...result, models: (JSON.parse(result.stdout) as { models: JsonModel[] }).models, events };
}

/** Bytes of blob uploads (PATCH and PUT bodies) the proxy forwarded to the registry. */
const uploaded = (events: ProxyEvent[]) =>
  events.filter((e) => ['PATCH', 'PUT'].includes(e.method) && /\/blobs\/uploads\//.test(e.path)).reduce((sum, e) => sum + e.forwarded, 0);
const mountsOf = (events: ProxyEvent[], digest: string) => events.filter((e) => e.method === 'POST' && e.path.includes(`mount=${encodeURIComponent(digest)}`));
const putsOf = (events: ProxyEvent[], digest: string) => events.filter((e) => e.method === 'PUT' && e.path.includes(`digest=${encodeURIComponent(digest)}`));
const mb = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`;

/** The layers of a model's tag. */
async function layersOf(name: string) {
  return (await client.manifest(repository(name), 'e2e')).manifest.layers as { digest: string; size: number; mediaType: string }[];
}

/** The layer of shared.bin in a model's image: the tar of that one file (and its folders), a few KB over it. */
async function sharedLayer(name: string): Promise<string | undefined> {
  return (await layersOf(name)).find((l) => l.size > sharedBytes && l.size < sharedBytes + 10_000)?.digest;
}

beforeAll(async () => {
  proxy = await startFaultProxy(registry);
  const models = ['alpha', 'beta', 'gamma'].map((name) => ({ name, image: `caffe-${name}:e2e` }));
  project = await createProject({ models, namespace: `uai_e2e_shared_${process.pid}` });
  // The same 100 MB file under the same modelDir in all three; alpha has a second big file of its own.
  for (const { name } of models) await writeFile(path.join(project.dir, 'models', name, 'checkpoint_dir', 'shared.bin'), shared);
  await writeFile(path.join(project.dir, 'models/alpha/checkpoint_dir/extra.bin'), randomBytes(extraBytes));
});

afterAll(async () => {
  await project?.remove();
  await proxy?.stop();
});

describe('a 100 MB file two models of one run share', () => {
  let first: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    first = await build(['alpha', 'beta']);
  });

  it('goes up once: the second repository mounts it', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.models.map((m) => m.status)).toEqual(['pushed', 'pushed']);
    const bytes = uploaded(first.events);
    process.stderr.write(`[e2e] two models sharing ${mb(sharedBytes)} (+ ${mb(extraBytes)} of alpha's own): ${mb(bytes)} uploaded\n`);
    // The same file at the same path: the same layer in both images.
    const layer = (await sharedLayer('alpha'))!;
    expect(layer).toMatch(/^sha256:/);
    expect(await sharedLayer('beta')).toBe(layer);
    expect(bytes).toBeGreaterThan(sharedBytes + extraBytes);
    expect(bytes).toBeLessThan(sharedBytes + extraBytes + 1 * MB);
    expect(putsOf(first.events, layer)).toHaveLength(1);
    const mounts = mountsOf(first.events, layer);
    expect(mounts.map((e) => e.outcome)).toEqual(['201']);
    expect(mounts[0]!.path).toMatch(new RegExp(`from=${encodeURIComponent(repository('alpha'))}|from=${encodeURIComponent(repository('beta'))}`));
  });

  it('gives each image the files of its folder: a layer per big file, the rest of modelDir, code and config', async () => {
    const alpha = await layersOf('alpha');
    const ours = alpha.slice(-5);
    expect(ours.map((l) => l.mediaType.endsWith('gzip'))).toEqual([false, false, false, true, true]);
    // extra.bin, then shared.bin (path order), then the rest of checkpoint_dir.
    expect(ours[0]!.size).toBeGreaterThan(extraBytes);
    expect(ours[1]!.size).toBeGreaterThan(sharedBytes);
    expect(ours[2]!.size).toBeLessThan(1 * MB);
    const files = await client.files(repository('alpha'), 'e2e');
    const folder = await readTree(path.join(project.dir, 'models/alpha'));
    for (const [rel, contents] of folder) {
      const entry = files.get(`${app}/${rel}`);
      expect(entry?.type, rel).toBe('file');
      expect(entry!.data.equals(contents), rel).toBe(true);
    }
    expect(files.get(`${app}/checkpoint_dir`)?.type).toBe('dir');
    expect(files.get(`${app}/ufile.json`)?.type).toBe('file');
  });
});

describe('a changed weight file', () => {
  it('re-pushes only itself, not the other big file', async () => {
    await writeFile(path.join(project.dir, 'models/alpha/checkpoint_dir/extra.bin'), randomBytes(extraBytes));
    const before = await layersOf('alpha');
    const again = await build(['alpha']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.models[0]!.status).toBe('pushed');
    const bytes = uploaded(again.events);
    process.stderr.write(`[e2e] one of two big files changed (${mb(extraBytes)} and ${mb(sharedBytes)}): ${mb(bytes)} uploaded\n`);
    expect(bytes).toBeGreaterThan(extraBytes);
    expect(bytes).toBeLessThan(extraBytes + 1 * MB);
    // Of alpha's layers only extra.bin's changed; shared.bin's, the rest of modelDir, code and config did not.
    const after = await layersOf('alpha');
    const changed = after.filter((l) => !before.some((b) => b.digest === l.digest));
    expect(changed.map((l) => l.size > extraBytes && l.size < extraBytes + 10_000)).toEqual([true]);
    expect(after.map((l) => l.digest)).toContain(await sharedLayer('beta'));
  });
});

describe('a later run of another model sharing the file', () => {
  it('mounts it from the repository .uai/cache recorded, and the image runs', async () => {
    const recorded = JSON.parse(await readFile(path.join(project.dir, '.uai/cache/blobs.json'), 'utf8')) as {
      hosts: Record<string, Record<string, { repository: string }>>;
    };
    const layer = (await sharedLayer('alpha'))!;
    const holder = recorded.hosts[proxy.host]?.[layer]?.repository;
    expect([repository('alpha'), repository('beta')]).toContain(holder);
    const later = await build(['gamma']);
    expect(later.code, later.stderr).toBe(0);
    const bytes = uploaded(later.events);
    process.stderr.write(`[e2e] a later model sharing ${mb(sharedBytes)}: ${mb(bytes)} uploaded\n`);
    expect(bytes).toBeLessThan(1 * MB);
    const mounts = mountsOf(later.events, layer);
    expect(mounts.map((e) => e.outcome)).toEqual(['201']);
    expect(mounts[0]!.path).toContain(`from=${encodeURIComponent(holder!)}`);
    expect(await sharedLayer('gamma')).toBe(layer);

    // The image, split weights and a mounted layer, runs and answers.
    const ref = `${registry.host}/${repository('gamma')}:e2e`;
    await docker(registry.dockerConfig, ['pull', '--quiet', ref]);
    const service = await startService({ image: ref, dockerConfig: registry.dockerConfig });
    try {
      const answer = await callService('gamma');
      expect(answer.status, answer.body).toBe(200);
    } finally {
      await service.stop();
      await run('docker', ['rmi', '--force', ref]);
    }
  });
});
