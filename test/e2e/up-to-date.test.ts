// Issue 14, a native no-op of many models: a model whose files, config and base image are as they were
// at its last push is skipped before its build folder is assembled or packed, once the registry says
// its tag still holds that push's manifest. Anything else (a touched file, another pusher's tag, another
// SOURCE_DATE_EPOCH, a missing build folder) goes the whole way again.
import { appendFile, rm, utimes } from 'node:fs/promises';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { createProject, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';
import { registryEnv, runUai } from './support/uai.js';

const registry = e2eContext();
const client = registryClient(registry);
const spec = { name: 'fresh', image: 'caffe-up-to-date:e2e' };
/** No Docker engine answers: the native builder alone. */
const noEngine = { DOCKER_HOST: 'unix:///nonexistent/uai-e2e-no-engine.sock' };
let project: Project;

beforeAll(async () => {
  project = await createProject({ namespace: 'uai_up_to_date', models: [spec] });
});

afterAll(async () => {
  await project?.remove();
});

async function build(target: Project, extra: Record<string, string> = {}, args: string[] = []) {
  const result = await runUai(target, ['build', '--builder', 'native', '--json', ...args], {
    ...registryEnv(registry),
    extra: { ...noEngine, ...extra },
  });
  expect(result.code, result.stderr).toBe(0);
  const model = (JSON.parse(result.stdout) as { models: { status: string; digest: string }[] }).models[0]!;
  return { ...model, stderr: result.stderr };
}

/** The build folder's inode: a new one each time the folder is assembled (it is renamed into place). */
const buildFolder = (target: Project) => statSync(path.join(target.dir, '.uai/build', spec.name)).ino;
const tagDigest = async () => {
  const { repository, reference } = splitImageRef(project.imageRef(registry.host, spec.image));
  return (await client.manifest(repository, reference)).digest;
};

describe('uai build --builder native of an unchanged model', () => {
  let pushed: string;

  it('skips it without assembling or packing anything, reporting the digest its tag holds', async () => {
    const first = await build(project);
    expect(first.status).toBe('pushed');
    expect(first.stderr).toMatch(/packing|reading base image/); // what the skip below must not print
    pushed = first.digest;
    const folder = buildFolder(project);

    const again = await build(project);
    expect(again).toMatchObject({ status: 'skipped', digest: pushed });
    expect(buildFolder(project)).toBe(folder);
    expect(again.stderr).not.toMatch(/packing|reading base image/);
  });

  it('looks again at a model whose file was touched: the same image, skipped, its folder assembled anew; then skips it at once', async () => {
    const before = buildFolder(project);
    const later = new Date(Date.now() + 5_000);
    await utimes(path.join(project.dir, 'models/fresh/mnist_inference.py'), later, later);
    const touched = await build(project);
    expect(touched).toMatchObject({ status: 'skipped', digest: pushed });
    expect(buildFolder(project)).not.toBe(before);

    const assembled = buildFolder(project);
    expect((await build(project)).status).toBe('skipped');
    expect(buildFolder(project)).toBe(assembled);
  });

  it('pushes again when another pusher moved the tag, though nothing changed here', async () => {
    const other = await createProject({ namespace: project.namespace, models: [spec] });
    try {
      await appendFile(path.join(other.dir, 'models/fresh/mnist_inference.py'), '\n# another machine, another image\n');
      const theirs = await build(other);
      expect(theirs.status).toBe('pushed');
      expect(theirs.digest).not.toBe(pushed);

      const ours = await build(project);
      expect(ours).toMatchObject({ status: 'pushed', digest: pushed });
      expect(await tagDigest()).toBe(pushed);
    } finally {
      await other.remove();
    }
  });

  it('builds again for another SOURCE_DATE_EPOCH, and for --force', async () => {
    const dated = await build(project, { SOURCE_DATE_EPOCH: '1700000000' });
    expect(dated.status).toBe('pushed');
    expect(dated.digest).not.toBe(pushed);
    const back = await build(project);
    expect(back).toMatchObject({ status: 'pushed', digest: pushed });
    const forced = await build(project, {}, ['--force']);
    expect(forced).toMatchObject({ status: 'pushed', digest: pushed });
  });

  it('remembers that the registry took the Basic login; a wrong password then still fails once, as a login', async () => {
    const hints = JSON.parse(readFileSync(path.join(project.home, '.cache/uai/registries/hints.json'), 'utf8'));
    expect(hints.registries[registry.host]).toEqual({ scheme: 'http', auth: 'basic' });
    const wrong = 'not-the-password-9f2c';
    const result = await runUai(project, ['build', '--builder', 'native', '--json'], {
      ...registryEnv(registry),
      password: wrong,
      extra: noEngine,
    });
    expect(result.code).toBe(1);
    const [model] = JSON.parse(result.stdout).models;
    expect(model).toMatchObject({ status: 'failed', error: { step: 'login', code: 'UAI_AUTH_FAILED' } });
    expect(result.stderr).toMatch(/UHUB_PASSWORD|password/i);
    expect(`${result.stdout}${result.stderr}`).not.toContain(wrong);
    expect(await tagDigest()).toBe(pushed);
  });

  it('assembles a build folder that is gone, or that a --dry-run left without code/', async () => {
    await rm(path.join(project.dir, '.uai/build'), { recursive: true });
    expect((await build(project)).status).toBe('skipped');
    expect(existsSync(path.join(project.dir, '.uai/build', spec.name, 'code/mnist_inference.py'))).toBe(true);

    const dry = await runUai(project, ['build', '--dry-run'], registryEnv(registry));
    expect(dry.code, dry.stderr).toBe(0);
    expect(existsSync(path.join(project.dir, '.uai/build', spec.name, 'code'))).toBe(false);
    expect((await build(project)).status).toBe('skipped');
    expect(existsSync(path.join(project.dir, '.uai/build', spec.name, 'code/mnist_inference.py'))).toBe(true);
  });
});
