// Issue 5, the registry client of the native builder against real registries: the Bearer token flow
// (realm, service, scope) of a registry with token auth, with the base image read from another
// registry with the user's docker login; and retries through a proxy that injects 5xx, 429 and
// connection resets, while a 4xx is not retried.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { docker, run } from './support/exec.mjs';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { uaiBin } from './support/paths.mjs';
import { createProject, type Project } from './support/project.js';
import { callService, startService } from './support/service.mjs';
import { startTokenRegistry, type TokenRegistry } from './support/token-server.js';

const registry = e2eContext();
const base = 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';

interface JsonModel {
  name: string;
  image: string;
  status: string;
  digest: string | null;
  error: { step: string; code: string; message: string } | null;
}

/** `uai build --builder native --json` with no engine reachable. */
async function uaiNative(project: Project, env: Record<string, string>, args: string[] = []) {
  const fullEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|DOCKER_|XDG_)/.test(key))),
    PATH: `${project.binDir}:${process.env.PATH}`,
    HOME: project.home,
    DOCKER_CONFIG: project.dockerConfig,
    DOCKER_HOST: 'unix:///nonexistent/uai-e2e-no-engine.sock',
    TMPDIR: project.tmp,
    CI: 'true',
    ...env,
  };
  const result = await run(process.execPath, [uaiBin, 'build', '--builder', 'native', '--json', ...args], {
    cwd: project.dir,
    env: fullEnv,
    timeoutMs: 240_000,
  });
  if (!result.stdout.trim()) throw new Error(`uai printed no report (exit ${result.code}):\n${result.stderr}`);
  const model = (JSON.parse(result.stdout) as { models: JsonModel[] }).models[0]!;
  return { ...result, model };
}

/** A Docker config with the test registry's login, as `docker login` would leave it. */
async function dockerLoginFor(project: Project, host: string, username: string, password: string): Promise<void> {
  await mkdir(project.dockerConfig, { recursive: true });
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  await writeFile(path.join(project.dockerConfig, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
}

describe('a registry with Bearer token auth', () => {
  let tokens: TokenRegistry;
  let project: Project;

  beforeAll(async () => {
    tokens = await startTokenRegistry();
    // The base image comes from the other (htpasswd) registry, with what `docker login` stored for it.
    project = await createProject({
      models: [{ name: 'bearer', image: 'caffe-bearer:e2e', override: { baseImage: `${registry.host}/${base}` } }],
    });
    await dockerLoginFor(project, registry.host, registry.username, registry.password);
  });

  afterAll(async () => {
    await project?.remove();
    await tokens?.stop();
  });

  it('gets tokens for the right service and scopes, pushes, and the image runs', async () => {
    const result = await uaiNative(project, { UAI_REGISTRY_HOST: tokens.host, UHUB_USERNAME: tokens.username, UHUB_PASSWORD: tokens.password });
    expect(result.code, result.stderr).toBe(0);
    expect(result.model.status).toBe('pushed');
    const granted = tokens.tokenRequests.filter((request) => request.granted);
    expect(granted.length).toBeGreaterThan(0);
    expect(granted.every((request) => request.service === tokens.service && request.user === tokens.username)).toBe(true);
    expect(granted.flatMap((request) => request.scopes)).toContain(`repository:${project.namespace}/caffe-bearer:pull,push`);
    // Tokens are cached per scope: not one request per blob.
    expect(tokens.tokenRequests.length).toBeLessThan(8);

    const config = mkdtempSync(path.join(os.tmpdir(), 'uai-e2e-token-login-'));
    try {
      await docker(config, ['login', '--username', tokens.username, '--password-stdin', tokens.host], { input: tokens.password });
      await docker(config, ['pull', '--quiet', result.model.image]);
      const service = await startService({ image: result.model.image, dockerConfig: config });
      try {
        expect((await callService('bearer')).status).toBe(200);
      } finally {
        await service.stop();
        await run('docker', ['rmi', '--force', result.model.image]);
      }
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });

  it('fails with UAI_AUTH_FAILED on a wrong password, and never prints it', async () => {
    const wrong = 'not-the-password-123';
    const result = await uaiNative(project, { UAI_REGISTRY_HOST: tokens.host, UHUB_USERNAME: tokens.username, UHUB_PASSWORD: wrong });
    expect(result.code).toBe(1);
    expect(result.model.error?.code).toBe('UAI_AUTH_FAILED');
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });
});

describe('retries through a fault-injecting proxy', () => {
  let proxy: FaultProxy;
  let project: Project;
  const env = () => ({ UAI_REGISTRY_HOST: proxy.host, UHUB_USERNAME: registry.username, UHUB_PASSWORD: registry.password });

  beforeAll(async () => {
    proxy = await startFaultProxy(registry);
    project = await createProject({ models: [{ name: 'flaky', image: 'caffe-flaky:e2e' }] });
    // The base is pulled through the proxy too: give it the catalog name under the proxy's host.
  });

  afterAll(async () => {
    await project?.remove();
    await proxy?.stop();
  });

  it('retries 5xx, 429 and resets, and pushes an image that runs', async () => {
    proxy.setRules([
      // The first manifest read is reset, the next answered 503 (tags are read with a GET, as manifests are).
      { method: 'GET', path: /\/manifests\//, fault: 'reset' },
      { method: 'GET', path: /\/manifests\//, fault: 503 },
      { method: 'POST', path: /\/blobs\/uploads\//, fault: 'reset' },
      { method: 'PUT', path: /\/blobs\/uploads\//, fault: 500 },
      { method: 'PUT', path: /\/manifests\//, fault: 429, retryAfter: '1' },
    ]);
    const result = await uaiNative(project, env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.model.status).toBe('pushed');
    const injected = proxy.events.filter((event) => !/^\d+$/.test(event.outcome) || ['503', '500', '429'].includes(event.outcome));
    expect(injected.map((event) => `${event.method} ${event.outcome}`).sort()).toEqual(['GET 503', 'GET reset', 'POST reset', 'PUT 429', 'PUT 500']);
    // A first push to a fresh tag asks nothing about blobs: the base layers are mounted, and our
    // blobs (up to 1 MiB here) are new.
    expect(proxy.events.filter((event) => event.method === 'HEAD' && /\/blobs\/sha256:/.test(event.path))).toEqual([]);
    expect(proxy.events.filter((event) => event.method === 'POST' && /[?&]mount=/.test(event.path)).length).toBeGreaterThan(0);
    // What the registry holds runs: pull it from the registry itself.
    const ref = `${registry.host}/${project.namespace}/caffe-flaky:e2e`;
    await docker(registry.dockerConfig, ['pull', '--quiet', ref]);
    const service = await startService({ image: ref, dockerConfig: registry.dockerConfig });
    try {
      expect((await callService('flaky')).status).toBe(200);
    } finally {
      await service.stop();
      await run('docker', ['rmi', '--force', ref]);
    }
  });

  it('skips an unchanged model: one look at the tag, no blob or manifest sent; --force sends the manifest again', async () => {
    proxy.setRules([]);
    proxy.events.length = 0;
    const again = await uaiNative(project, env());
    expect(again.code, again.stderr).toBe(0);
    expect(again.model.status).toBe('skipped');
    const writes = (events: typeof proxy.events) => events.filter((event) => ['PUT', 'PATCH', 'POST'].includes(event.method));
    expect(writes(proxy.events)).toEqual([]);
    proxy.events.length = 0;
    const forced = await uaiNative(project, env(), ['--force']);
    expect(forced.model.status).toBe('pushed');
    expect(forced.model.digest).toBe(again.model.digest);
    // --force trusts no record: the base layers are mounted again (a request each, no bytes), ours found
    // by a HEAD; only the manifest is sent.
    const mounts = (events: typeof proxy.events) => events.filter((event) => event.method === 'POST' && /[?&]mount=/.test(event.path));
    expect(mounts(proxy.events).length).toBeGreaterThan(0);
    expect(mounts(proxy.events).every((event) => event.outcome === '201')).toBe(true);
    const ourBlobHeads = proxy.events.filter((event) => event.method === 'HEAD' && /\/caffe-flaky\/blobs\/sha256:/.test(event.path));
    expect(ourBlobHeads.length).toBeGreaterThan(0);
    expect(ourBlobHeads.every((event) => event.outcome === '200')).toBe(true);
    expect(
      writes(proxy.events)
        .filter((event) => !mounts(proxy.events).includes(event))
        .map((event) => event.method),
    ).toEqual(['PUT']);
  });

  it('after a code change, sends the two new small blobs and the manifest, and does not look at the rest', async () => {
    proxy.setRules([]);
    await appendFile(path.join(project.dir, 'models/flaky/mnist_inference.py'), '# a one-line change\n');
    proxy.events.length = 0;
    const changed = await uaiNative(project, env());
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.model.status).toBe('pushed');
    // The weights, the base layers and the service config are in the manifest the tag holds (pushed by
    // the run before): no HEAD, no mount, no upload for them. The code layer and the image config are new.
    expect(proxy.events.filter((event) => /\/blobs\/sha256:/.test(event.path))).toEqual([]);
    const writes = proxy.events.filter((event) => ['PUT', 'PATCH', 'POST'].includes(event.method));
    expect(writes.filter((event) => event.method === 'POST')).toHaveLength(2);
    expect(writes.filter((event) => event.method === 'PUT' && /\/manifests\//.test(event.path))).toHaveLength(1);
    expect(writes).toHaveLength(5); // 2 x (POST, PUT) + the manifest
  });

  it('does not retry a 4xx: one manifest PUT, then UAI_PUSH_FAILED', async () => {
    proxy.setRules([{ method: 'PUT', path: /\/manifests\//, fault: 400, times: 10 }]);
    proxy.events.length = 0;
    const result = await uaiNative(project, env(), ['--force']);
    expect(result.code).toBe(1);
    expect(result.model.error?.code).toBe('UAI_PUSH_FAILED');
    expect(result.model.error?.message).toContain('INJECTED');
    expect(proxy.events.filter((event) => event.method === 'PUT' && /\/manifests\//.test(event.path))).toHaveLength(1);
  });
});
