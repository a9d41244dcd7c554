// "Registries in the wild": every manifest and blob read from a registry is checked against its digest
// (a mismatch fails that model naming the digest, and nothing is pushed for it); a big layer goes up in
// chunks and, after a connection cut in its middle, resumes where the registry says it stands. Against
// Debian's registry behind a proxy that corrupts answers and cuts connections (support/fault-proxy.ts).
import { mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { run } from './support/exec.mjs';
import { startFaultProxy, wrongDigest, type FaultProxy, type FaultRule } from './support/fault-proxy.js';
import { uaiBin } from './support/paths.mjs';
import { createProject, type Project } from './support/project.js';
import { registryClient } from './support/registry-client.mjs';

const registry = e2eContext();
const reader = registryClient(registry);
const baseRepository = 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0';
const baseTag = 'v1.2';

interface JsonModel {
  name: string;
  status: string;
  digest: string | null;
  error: { step: string; code: string; message: string } | null;
}

/** `uai build --builder native --json` with no engine reachable, from a fresh `.uai/` (no cached base config). */
async function uaiNative(project: Project, env: Record<string, string>) {
  await rm(path.join(project.dir, '.uai'), { recursive: true, force: true });
  const result = await run(process.execPath, [uaiBin, 'build', '--builder', 'native', '--json'], {
    cwd: project.dir,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|DOCKER_|XDG_)/.test(key))),
      HOME: project.home,
      DOCKER_CONFIG: project.dockerConfig,
      DOCKER_HOST: 'unix:///nonexistent/uai-e2e-no-engine.sock',
      TMPDIR: project.tmp,
      CI: 'true',
      UHUB_USERNAME: registry.username,
      UHUB_PASSWORD: registry.password,
      ...env,
    },
    timeoutMs: 240_000,
  });
  if (!result.stdout.trim()) throw new Error(`uai printed no report (exit ${result.code}):\n${result.stderr}`);
  return { ...result, model: (JSON.parse(result.stdout) as { models: JsonModel[] }).models[0]! };
}

/** The tags of a repository of the test registry (none when it does not exist). */
async function tagsOf(repository: string): Promise<string[]> {
  return reader.tags(repository).catch(() => []);
}

const writes = (proxy: FaultProxy) => proxy.events.filter((event) => ['POST', 'PUT', 'PATCH'].includes(event.method));

describe('integrity: a registry that sends other bytes', () => {
  let proxy: FaultProxy;
  let project: Project;
  const image = 'caffe-integrity';

  beforeAll(async () => {
    proxy = await startFaultProxy(registry);
    project = await createProject({ models: [{ name: 'integrity', image: `${image}:e2e` }] });
  });

  afterAll(async () => {
    await project?.remove();
    await proxy?.stop();
  });

  /** Builds through the proxy with `rules`; the model must fail at build naming `digest`, with nothing pushed. */
  async function failsNaming(rules: FaultRule[], digest: () => Promise<string>) {
    // Every time: the base is read once for the run and, when that failed, again by the model.
    proxy.setRules(rules.map((rule) => ({ ...rule, times: 100 })));
    proxy.events.length = 0;
    const result = await uaiNative(project, { UAI_REGISTRY_HOST: proxy.host });
    expect(result.code, result.stderr).toBe(1);
    expect(result.model.status).toBe('failed');
    expect(result.model.error?.code).toBe('UAI_BUILD_FAILED');
    expect(result.model.error?.message).toContain(await digest());
    expect(result.model.error?.message).toContain('the registry sent other bytes');
    // The fault was met, and nothing was pushed: no upload begun, no tag.
    expect(proxy.events.some((event) => / (corrupt|wrong-digest)$/.test(event.outcome))).toBe(true);
    expect(writes(proxy)).toEqual([]);
    expect(await tagsOf(`${project.namespace}/${image}`)).toEqual([]);
  }

  it("fails naming the digest of a base image's config blob that arrives changed", async () => {
    const config = async () => (await reader.manifest(baseRepository, baseTag)).manifest.config.digest;
    await failsNaming([{ method: 'GET', path: new RegExp(`/blobs/${await config()}$`), fault: 'corrupt' }], config);
  });

  it("fails naming the digest of a base image's manifest that arrives changed", async () => {
    await failsNaming(
      [{ method: 'GET', path: new RegExp(`/${baseRepository}/manifests/${baseTag.replace('.', '\\.')}$`), fault: 'corrupt' }],
      async () => (await reader.manifest(baseRepository, baseTag)).digest,
    );
  });

  it('fails naming the digest of a Docker-Content-Digest that names other bytes', async () => {
    await failsNaming([{ method: 'GET', path: new RegExp(`/${baseRepository}/manifests/`), fault: 'wrong-digest' }], async () => wrongDigest);
  });

  it('pushes once the registry sends the right bytes again', async () => {
    proxy.setRules([]);
    const result = await uaiNative(project, { UAI_REGISTRY_HOST: proxy.host });
    expect(result.code, result.stderr).toBe(0);
    expect(result.model.status).toBe('pushed');
    expect(await tagsOf(`${project.namespace}/${image}`)).toEqual(['e2e']);
  });

  it('fails at push naming the digest of a base layer copied from another registry that sends it changed, and the copy is never completed', async () => {
    // The base comes through the proxy (its host is another registry to uai, with the user's docker
    // login), the model goes to the registry itself: its base layers are copied, not mounted.
    const other = await createProject({
      models: [{ name: 'copied', image: 'caffe-copied:e2e', override: { baseImage: `${proxy.host}/${baseRepository}:${baseTag}` } }],
    });
    try {
      const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
      await mkdir(other.dockerConfig, { recursive: true });
      await writeFile(path.join(other.dockerConfig, 'config.json'), JSON.stringify({ auths: { [proxy.host]: { auth } } }));
      const layers = (await reader.manifest(baseRepository, baseTag)).manifest.layers.map((layer) => layer.digest);
      proxy.setRules([{ method: 'GET', path: new RegExp(`/blobs/(${layers.join('|')})$`), fault: 'corrupt', times: 100 }]);
      proxy.events.length = 0;
      const result = await uaiNative(other, { UAI_REGISTRY_HOST: registry.host });
      expect(result.code, result.stderr).toBe(1);
      expect(result.model.error?.code).toBe('UAI_PUSH_FAILED');
      const named = layers.filter((digest) => result.model.error?.message.includes(digest));
      expect(named).toHaveLength(1);
      expect(result.model.error?.message).toContain('the registry sent other bytes');
      expect(await tagsOf(`${other.namespace}/caffe-copied`)).toEqual([]);
      // The layer never reached the model's repository.
      const held = await fetch(`${registry.url}/v2/${other.namespace}/caffe-copied/blobs/${named[0]}`, {
        method: 'HEAD',
        headers: { authorization: `Basic ${auth}` },
      });
      expect(held.status).toBe(404);
    } finally {
      await other.remove();
    }
  });
});

describe('resumable uploads: a connection cut in the middle of a big layer', () => {
  let proxy: FaultProxy;
  let project: Project;
  const weightBytes = 200 * 1024 * 1024; // two chunks: 128 MiB (the client's default) and the rest

  beforeAll(async () => {
    proxy = await startFaultProxy(registry);
    project = await createProject({ models: [{ name: 'big', image: 'caffe-big-resume:e2e' }] });
    const weights = path.join(project.dir, 'models/big/checkpoint_dir/weights.bin');
    await writeFile(weights, '');
    await truncate(weights, weightBytes);
  });

  afterAll(async () => {
    await project?.remove();
    await proxy?.stop();
  });

  it('resumes from the offset the registry confirms: the push completes, and the proxy forwarded under 1.5x the layer', async () => {
    // The second PATCH of the weights' upload is cut once some of it has left uai (none of it reaches the
    // registry: Debian's registry drops a session whose bytes changed under a Location it gave before).
    // The code layer (its digest unknown until hashed) goes up in a small PATCH of its own: not counted.
    proxy.setRules([{ method: 'PATCH', path: /\/blobs\/uploads\//, minBytes: 1024 * 1024, fault: 'reset', after: 1 }]);
    proxy.events.length = 0;
    const result = await uaiNative(project, { UAI_REGISTRY_HOST: proxy.host });
    expect(result.code, result.stderr).toBe(0);
    expect(result.model.status).toBe('pushed');
    const patches = proxy.events.filter((event) => event.method === 'PATCH' && (event.outcome === 'reset' || event.forwarded >= 1024 * 1024));
    expect(patches.map((event) => event.outcome)).toEqual(['202', 'reset', '202']);
    // After the cut, uai asked where the upload stood, in the same session, and went on from there.
    const status = proxy.events.filter((event) => event.method === 'GET' && /\/blobs\/uploads\//.test(event.path));
    expect(status.map((event) => event.outcome)).toEqual(['204']);
    const session = (event: { path: string }) => /\/blobs\/uploads\/([^/?]+)/.exec(event.path)?.[1];
    expect(new Set([...patches, ...status].map(session)).size).toBe(1);
    const { manifest } = await reader.manifest(`${project.namespace}/caffe-big-resume`, 'e2e');
    const layer = Math.max(...(manifest.layers as unknown as { size: number }[]).map((l) => l.size));
    expect(layer).toBeGreaterThan(weightBytes);
    const forwarded = writes(proxy).reduce((sum, event) => sum + event.forwarded, 0);
    expect(forwarded).toBeLessThan(1.5 * layer);
  });
});
