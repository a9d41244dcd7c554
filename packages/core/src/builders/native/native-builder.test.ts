import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serviceCmd } from '../../plan/platform.js';
import { buildDir } from './build-folder.fixture.js';
import { dockerfileLabel, inputsLabel } from './compose.js';
import { inputsKey } from './inputs-key.js';
import { nativeBuilder } from './native-builder.js';
import { NativeSession } from './session.js';
import { imageFormat } from './up-to-date.js';
import type { ModelPlan } from '../../plan/plan.js';
import { renderModel } from '../../render/render.js';
import { defaultTemplatesDir } from '../../render/templates.js';

describe('nativeBuilder', () => {
  it('is named native and starts the service like the Dockerfile CMD does', () => {
    expect(nativeBuilder({ root: os.tmpdir() }).name).toBe('native');
    expect(serviceCmd).toEqual(['/bin/sh', '-c', 'cd /ai-ucloud-client-django && gunicorn -c gunicorn.conf.py httpserver.wsgi']);
  });

  it('says which registry it cannot reach, as UAI_REGISTRY_UNREACHABLE', async () => {
    const plan = { ...buildDir('checkpoint_dir'), baseImage: '127.0.0.1:1/uaishare/base:v1', imageRef: '127.0.0.1:1/ns/m:v1' };
    const builder = nativeBuilder({ env: {}, root: plan.root });
    await expect(builder.build(plan, { signal: new AbortController().signal, log: () => {} })).rejects.toMatchObject({
      code: 'UAI_REGISTRY_UNREACHABLE',
      step: 'build',
    });
    await builder.dispose();
  });
});

const sha = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * A registry on 127.0.0.1 holding one base image without layers (uaishare/base:v1); every request for
 * `ns/...` (where models are pushed) answers 503.
 */
async function fakeRegistry(): Promise<{ server: Server; host: string; requests: string[] }> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: [] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [],
    }),
  );
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/v2/') return res.writeHead(200).end('{}');
    if (req.url === '/v2/uaishare/base/manifests/v1') {
      return res
        .writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha(manifest) })
        .end(req.method === 'HEAD' ? undefined : manifest);
    }
    if (req.url === `/v2/uaishare/base/blobs/${sha(config)}`) return res.writeHead(200).end(config);
    if (req.url?.startsWith('/v2/ns/')) return res.writeHead(503).end();
    return res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A plan whose build folder holds the Dockerfile `template` renders (the built-in one by default). */
async function assembled(host: string, name = 'm', template?: string): Promise<ModelPlan & { root: string }> {
  const plan = {
    ...buildDir('checkpoint_dir'),
    name,
    baseImage: `${host}/uaishare/base:v1`,
    imageRef: `${host}/ns/${name}:v1`,
    env: [{ name: 'UAI_FRAMEWORK', value: 'caffe' }],
    serviceConfig: null,
  } as unknown as ModelPlan & { root: string };
  const read = async (file: string) => ({ path: file, source: await readFile(path.join(defaultTemplatesDir, file), 'utf8') });
  const dockerfile = template === undefined ? await read('uaiservice.Dockerfile.hbs') : { path: 'custom.hbs', source: template };
  const [rendered] = renderModel(plan, { dockerfile, serviceConfig: await read('service-config.json.hbs') });
  writeFileSync(path.join(plan.buildDir, 'uaiservice.Dockerfile'), rendered!.contents);
  return plan;
}

/** The image config of the image tagged `tag` in an OCI layout. */
function layoutConfig(dir: string, tag: string): { config: { Labels: Record<string, string>; Env: string[] } } {
  const blob = (digest: string) => readFileSync(path.join(dir, 'blobs', 'sha256', digest.slice(7)), 'utf8');
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
  const entry = index.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === tag)!;
  const manifest = JSON.parse(blob(entry.digest)) as { config: { digest: string } };
  return JSON.parse(blob(manifest.config.digest));
}

const standardTemplate = readFileSync(path.join(defaultTemplatesDir, 'uaiservice.Dockerfile.hbs'), 'utf8');

describe('nativeBuilder against a registry on 127.0.0.1', () => {
  let registry: Awaited<ReturnType<typeof fakeRegistry>>;
  beforeAll(async () => {
    registry = await fakeRegistry();
  });
  afterAll(() => new Promise<void>((resolve) => registry.server.close(() => resolve())));
  const ctx = (log: (line: string) => void = () => {}) => ({ signal: new AbortController().signal, log });

  it('starts reading base images in prepare, once per base, and builds from that read', async () => {
    const plans = [await assembled(registry.host, 'a'), await assembled(registry.host, 'b')];
    const builder = nativeBuilder({
      env: {},
      root: plans[0]!.root,
      push: false,
      output: `oci:${path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-oci-')), '{model}')}`,
    });
    const manifestReads = () => registry.requests.filter((r) => r === 'GET /v2/uaishare/base/manifests/v1').length;
    const before = manifestReads();
    await builder.prepare([], ctx(), plans);
    // Asked for before any build began (the builds would otherwise be the first to ask).
    await vi.waitFor(() => expect(manifestReads() - before).toBe(1), { timeout: 5000 });
    for (const plan of plans) await builder.build(plan, ctx());
    expect(manifestReads() - before).toBe(1);
    await builder.dispose();
  });

  it('changes the inputs key when only the rendered Dockerfile changes (a template edit)', async () => {
    const keys: (string | undefined)[] = [];
    for (const template of [undefined, standardTemplate.replace('# Generated by uai', '# Generated by uai (edited)')]) {
      const plan = await assembled(registry.host, 'm', template);
      const session = new NativeSession({ env: {}, root: plan.root, push: false });
      keys.push(await inputsKey(plan, session, ctx()));
      await session.dispose();
    }
    expect(keys[0]).toMatch(/^sha256:/);
    expect(keys[1]).toMatch(/^sha256:/);
    expect(keys[1]).not.toBe(keys[0]);
  });

  it('applies a custom template that only adds a LABEL, and writes each model into oci:DIR/{model}', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'uai-out-'));
    const template = standardTemplate.replace('EXPOSE 8080', 'LABEL ai.uai.plugin=uai-plugin-onnx\nEXPOSE 8080');
    const plan = await assembled(registry.host, 'onnx', template);
    const builder = nativeBuilder({ env: {}, root: plan.root, push: false, output: `oci:${out}/{model}` });
    await builder.build(plan, ctx());
    await builder.dispose();
    const config = layoutConfig(path.join(out, 'onnx'), 'v1');
    expect(config.config.Labels).toMatchObject({ 'ai.uai.plugin': 'uai-plugin-onnx', 'ai.uai.model': 'onnx' });
    expect(config.config.Labels[dockerfileLabel]).toBe(sha(readFileSync(path.join(plan.buildDir, 'uaiservice.Dockerfile'))));
    expect(config.config.Env).toEqual(['PATH=/bin', 'UAI_FRAMEWORK=caffe']);
  });

  it(`makes the same image from the same inputs as imageFormat ${imageFormat} did (else bump it: see up-to-date.ts)`, async () => {
    // A record stamped with this format skips a model without building it: were the same inputs to make
    // another image now, a stale image would stay. The image's shape is pinned here, but for what holds
    // the fake registry's port (it varies): the host, and the hashes of the Dockerfile (FROM names it).
    const out = mkdtempSync(path.join(os.tmpdir(), 'uai-out-'));
    const plan = await assembled(registry.host, 'golden');
    const builder = nativeBuilder({ env: {}, root: plan.root, push: false, output: `oci:${out}` });
    await builder.build(plan, ctx());
    await builder.dispose();
    const blob = (digest: string) => readFileSync(path.join(out, 'blobs', 'sha256', digest.slice(7)), 'utf8');
    const index = JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(blob(index.manifests[0]!.digest)) as { config: { digest: string; size: number } };
    const config = JSON.parse(blob(manifest.config.digest).replaceAll(registry.host, 'registry.test')) as { config: { Labels: Record<string, string> } };
    delete config.config.Labels[dockerfileLabel];
    delete config.config.Labels[inputsLabel];
    const shape = JSON.stringify({ manifest: { ...manifest, config: { ...manifest.config, digest: '', size: 0 } }, config });
    expect(`${imageFormat}:${sha(shape)}`).toBe('1:sha256:2a344e141b973ae6fa0b705baad8941115847809932c0b15c5443a0e7e606a30');
  });

  it('refuses a second model into one oci layout (images are named by tag there), keeping the first', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'uai-out-'));
    const plans = [await assembled(registry.host, 'one'), await assembled(registry.host, 'two')];
    const builder = nativeBuilder({ env: {}, root: plans[0]!.root, push: false, output: `oci:${out}` });
    await builder.build(plans[0]!, ctx());
    await expect(builder.build(plans[1]!, ctx())).rejects.toMatchObject({ code: 'UAI_USAGE', message: expect.stringContaining('{model}') });
    await builder.dispose();
    expect(layoutConfig(out, 'v1').config.Labels['ai.uai.model']).toBe('one');
  });

  it('fails a model whose template has a RUN line, naming it and pointing to --builder docker', async () => {
    const plan = await assembled(registry.host, 'run', standardTemplate.replace('EXPOSE 8080', 'EXPOSE 8080\nRUN pip install onnx'));
    const builder = nativeBuilder({ env: {}, root: plan.root, push: false });
    const error = await builder.build(plan, ctx()).catch((e: unknown) => e);
    await builder.dispose();
    expect(error).toMatchObject({ code: 'UAI_BUILD_FAILED', step: 'build' });
    expect((error as Error).message).toContain('"RUN pip install onnx"');
    expect((error as Error).message).toContain('use --builder docker');
  });

  it('says what failed where, and how often it tried, when the registry keeps answering 503', async () => {
    const plan = await assembled(registry.host, 'busy');
    const builder = nativeBuilder({ env: {}, root: plan.root, retry: { retries: 2, baseDelayMs: 1 } });
    await builder.build(plan, ctx());
    const error = await builder.push(plan, ctx()).catch((e: unknown) => e);
    await builder.dispose();
    expect(error).toMatchObject({ code: 'UAI_PUSH_FAILED', step: 'push' });
    expect((error as Error).message).toBe(
      `checking manifest ns/busy:v1 on ${registry.host}: HTTP 503 after 3 tries; the registry is having trouble, try again later.`,
    );
  });

  it('reports a stop while packing as UAI_CANCELLED', async () => {
    const plan = await assembled(registry.host, 'stopped');
    const stop = new AbortController();
    const builder = nativeBuilder({ env: {}, root: plan.root, push: false });
    const error = await builder
      .build(plan, { signal: stop.signal, log: (line) => (line.startsWith('packing') ? stop.abort() : undefined) })
      .catch((e: unknown) => e);
    await builder.dispose();
    expect(error).toMatchObject({ code: 'UAI_CANCELLED', step: 'build' });
  });
});
