// A registry served over TLS with a certificate from a private CA (interface.md, "Registries in the wild"
// -> TLS): uai verifies it, loopback or not. The native builder pushes when the CA is in a certs.d folder
// (UAI_DOCKER_CERTS_DIR, Docker's layout) or in NODE_EXTRA_CA_CERTS, and fails (1) naming the host, the
// word certificate and where its CA goes when it is in neither. The Docker builder with the CA in Docker's
// own /etc/docker/certs.d: the engine pushes, and uai's own look at the registry (skip unchanged) trusts
// the same file.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { removeLocalImages } from './support/local-images.mjs';
import { createProject, type Project } from './support/project.js';
import { splitImageRef } from './support/registry-client.mjs';
import { certsDir, startTlsRegistry, type TlsRegistry } from './support/tls-registry.js';
import { registryEnv, runUai } from './support/uai.js';

const base = 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';

interface JsonModel {
  name: string;
  image: string;
  status: string;
  digest: string | null;
  error: { step: string; code: string; message: string } | null;
}

let registry: TlsRegistry;
let scratch: string;
const projects: Project[] = [];

beforeAll(async () => {
  registry = await startTlsRegistry({ standin: e2eContext().standin, images: [base] });
  scratch = await mkdtemp(path.join(os.tmpdir(), 'uai-e2e-tls-'));
});

afterAll(async () => {
  await Promise.all(projects.map((project) => project.remove()));
  if (registry) await removeLocalImages(registry.host);
  await registry?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** A project of one caffe model pushed as `<image>` to the TLS registry. */
async function project(image: string): Promise<Project> {
  const made = await createProject({ namespace: 'uai_tls', models: [{ name: 'secure', image }] });
  projects.push(made);
  return made;
}

async function build(made: Project, builder: 'native' | 'docker', extra: Record<string, string>) {
  const result = await runUai(made, ['build', '--builder', builder, '--json'], { ...registryEnv(registry), extra });
  if (!result.stdout.trim()) throw new Error(`uai printed no report (exit ${result.code}):\n${result.stderr}`);
  return { ...result, model: (JSON.parse(result.stdout) as { models: JsonModel[] }).models[0]! };
}

/** The digest the registry holds for the model's image. */
async function held(made: Project, image: string): Promise<string | undefined> {
  const { repository, reference } = splitImageRef(made.imageRef(registry.host, image));
  return registry.manifestDigest(repository, reference);
}

describe('the native builder and a registry with a private CA', () => {
  it('pushes when the CA is in certs.d/<host:port>/ca.crt', async () => {
    const made = await project('caffe-secure:certs-d');
    const certs = await certsDir(path.join(scratch, 'certs.d'), registry.host, { 'ca.crt': await readFile(registry.caFile, 'utf8') });
    const result = await build(made, 'native', { UAI_DOCKER_CERTS_DIR: certs });
    expect(result.code, result.stderr).toBe(0);
    expect(result.model.status).toBe('pushed');
    expect(result.model.digest).toBe(await held(made, 'caffe-secure:certs-d'));
  });

  it('fails (1) naming the host, the certificate and where its CA goes, when it trusts no such CA', async () => {
    const made = await project('caffe-secure:untrusted');
    const empty = path.join(scratch, 'empty-certs.d');
    await mkdir(empty, { recursive: true });
    const result = await build(made, 'native', { UAI_DOCKER_CERTS_DIR: empty });
    expect(result.code).toBe(1);
    expect(result.model.status).toBe('failed');
    expect(result.model.error?.code).toBe('UAI_REGISTRY_UNREACHABLE');
    const message = result.model.error?.message ?? '';
    expect(message).toContain(registry.host);
    expect(message).toMatch(/certificate/i);
    expect(message).toContain(`/etc/docker/certs.d/${registry.host}/ca.crt`);
    expect(message).toContain('NODE_EXTRA_CA_CERTS');
    // Never over plain http instead: nothing was pushed.
    expect(await held(made, 'caffe-secure:untrusted')).toBeUndefined();
    expect(result.stdout + result.stderr).not.toContain(registry.password);
  });

  it('pushes with the CA in NODE_EXTRA_CA_CERTS, also when certs.d holds other CAs for the host', async () => {
    const made = await project('caffe-secure:extra-ca');
    const empty = path.join(scratch, 'empty-certs.d');
    await mkdir(empty, { recursive: true });
    const onlyExtra = await build(made, 'native', { UAI_DOCKER_CERTS_DIR: empty, NODE_EXTRA_CA_CERTS: registry.caFile });
    expect(onlyExtra.code, onlyExtra.stderr).toBe(0);
    expect(onlyExtra.model.status).toBe('pushed');

    // A CA of certs.d goes on top of Node's trust, NODE_EXTRA_CA_CERTS included; it replaces nothing.
    const other = await certsDir(path.join(scratch, 'other-certs.d'), registry.host, { 'other.crt': await readFile(registry.otherCaFile, 'utf8') });
    const both = await build(made, 'native', { UAI_DOCKER_CERTS_DIR: other, NODE_EXTRA_CA_CERTS: registry.caFile });
    expect(both.code, both.stderr).toBe(0);
    expect(both.model.status).toBe('skipped');
    expect(both.model.digest).toBe(onlyExtra.model.digest);
    expect(onlyExtra.model.digest).toBe(await held(made, 'caffe-secure:extra-ca'));
  });
});

describe("the Docker builder with the CA in Docker's /etc/docker/certs.d", () => {
  const root = '/etc/docker/certs.d';
  let hadRoot = true;
  const hostDir = () => path.join(root, registry.host);

  afterEach(async () => {
    await rm(hostDir(), { recursive: true, force: true });
    if (!hadRoot) await rmdir(root).catch(() => {});
  });

  it.skipIf(process.getuid?.() !== 0)('pushes, and the next run finds the image unchanged over TLS with the same CA', async () => {
    hadRoot = existsSync(root);
    await certsDir(root, registry.host, { 'ca.crt': await readFile(registry.caFile, 'utf8') });
    const made = await project('caffe-secure:docker');
    // UAI_DOCKER_CERTS_DIR unset: uai reads Docker's folder, as the engine does.
    const first = await build(made, 'docker', {});
    expect(first.code, first.stderr).toBe(0);
    expect(first.model.status).toBe('pushed');
    expect(first.model.digest).toBe(await held(made, 'caffe-secure:docker'));
    const again = await build(made, 'docker', {});
    expect(again.code, again.stderr).toBe(0);
    expect(again.model.status).toBe('skipped');
    expect(again.dockerCalls.filter((call) => / (build|push) /.test(call))).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('without it, the engine still pushes (it does not verify 127.0.0.0/8), while uai cannot look', async () => {
    const made = await project('caffe-secure:docker-unverified');
    const first = await build(made, 'docker', {});
    expect(first.code, first.stderr).toBe(0);
    expect(first.model.status).toBe('pushed');
    const again = await build(made, 'docker', {});
    expect(again.code, again.stderr).toBe(0);
    // uai's own client refuses the certificate, so it cannot tell the image is unchanged: it builds again.
    expect(again.model.status).toBe('pushed');
    expect(again.stderr).toMatch(/certificate/i);
  });
});
