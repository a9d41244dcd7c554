// Issue 13, verify then publish: smoke tests (`uai test`, `uai build --test`) and all-or-nothing
// publishing (`--no-tag`, `uai publish`, `--atomic`), against the real engine and the authenticated
// registry. A batch of three caffe models; each test sends a file as POST /service to the stand-in base,
// which answers {"status":"ok","framework":"caffe",...}; one model first expects another framework.
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { run } from './support/exec.mjs';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { uaiBin } from './support/paths.mjs';
import { createProject, type ModelSpec, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';
import { baseEnv, registryEnv, runUai } from './support/uai.js';

const registry = e2eContext();
const client = registryClient(registry);
const names = ['alpha', 'beta', 'gamma'] as const;

interface JsonModel {
  name: string;
  image: string;
  status: string;
  digest: string | null;
  error: { step: string; code: string; message: string } | null;
}

const models = (text: string) => Object.fromEntries((JSON.parse(text) as { models: JsonModel[] }).models.map((m) => [m.name, m]));
const okTest = { request: './samples/ping.txt', expect: { json: { status: 'ok' } } };
const spec = (name: string, framework = 'caffe'): ModelSpec => ({
  name,
  image: `${name}:v1`,
  override: { test: { ...okTest, expect: { json: { status: 'ok', framework } } } },
});

/** What each model's tag holds now in the registry (undefined: no such tag). */
async function tagDigests(project: Project, host = registry.host): Promise<Record<string, string | undefined>> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const { repository, reference } = splitImageRef(project.imageRef(host, `${name}:v1`));
      return [
        name,
        await client.manifest(repository, reference).then(
          (m) => m.digest,
          () => undefined,
        ),
      ] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** A change to every model's code, so the next build makes new images. */
async function changeCode(project: Project, note: string): Promise<void> {
  for (const name of names) await appendFile(path.join(project.dir, 'models', name, 'mnist_inference.py'), `# ${note}\n`);
}

/** Containers `uai test` started and left behind. */
async function leftContainers(): Promise<string[]> {
  return (await run('docker', ['ps', '-a', '--filter', 'name=uai-test-', '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);
}

describe('verify, then publish', () => {
  let project: Project;
  const uai = (args: string[], env = registryEnv(registry)) => runUai(project, args, env);

  beforeAll(async () => {
    project = await createProject({ namespace: 'uai_release', models: [spec('alpha'), spec('beta', 'tensorflow'), spec('gamma')] });
    await mkdir(path.join(project.dir, 'samples'));
    await writeFile(path.join(project.dir, 'samples', 'ping.txt'), 'ping');
    const first = await uai(['build', '--builder', 'native', '--json']);
    expect(first.code, first.stderr).toBe(0);
  });

  afterAll(async () => {
    await project?.remove();
  });

  it('uai test fails the model whose answer differs, quoting it, and leaves no container', async () => {
    const result = await uai(['test', '--json']);
    expect(result.code, result.stderr).toBe(1);
    const tested = models(result.stdout);
    expect(tested.alpha!.status).toBe('passed');
    expect(tested.gamma!.status).toBe('passed');
    expect(tested.beta).toMatchObject({ status: 'failed', error: { step: 'test', code: 'UAI_TEST_FAILED' } });
    expect(tested.beta!.error!.message).toContain('at framework');
    expect(tested.beta!.error!.message).toContain('caffe');
    expect(await leftContainers()).toEqual([]);
  });

  it('--test --atomic moves no tag when one model fails its test, and creates no other tag', async () => {
    const before = await tagDigests(project);
    await changeCode(project, 'second build');
    const result = await uai(['build', '--builder', 'native', '--test', '--atomic', '--json']);
    expect(result.code, result.stderr).toBe(1);
    const built = models(result.stdout);
    expect(built.beta).toMatchObject({ status: 'failed', error: { step: 'test' } });
    expect([built.alpha!.status, built.gamma!.status]).toEqual(['staged', 'staged']);
    expect(await tagDigests(project)).toEqual(before);
    for (const name of names) expect(await client.tags(`uai_release/${name}`)).toEqual(['v1']);
  });

  it('moves all three tags, to the reported digests, once every test passes', async () => {
    const config = path.join(project.dir, 'uai.config.ts');
    await writeFile(config, (await readFile(config, 'utf8')).replace('"framework": "tensorflow"', '"framework": "caffe"'));
    const result = await uai(['build', '--builder', 'native', '--test', '--atomic', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const built = models(result.stdout);
    const now = await tagDigests(project);
    for (const name of names) {
      expect(built[name]!.status).toBe('pushed');
      expect(now[name]).toBe(built[name]!.digest);
    }
    expect(result.stdout.match(/"status": "pushed"/g)).toHaveLength(3);
  });

  describe('uai publish', () => {
    let report: string;
    let staged: Record<string, JsonModel>;
    let before: Record<string, string | undefined>;
    const reportFile = () => path.join(project.dir, '..', 'report.json');
    const publish = async (text: string) => {
      await writeFile(reportFile(), text);
      return uai(['publish', reportFile()]);
    };

    beforeAll(async () => {
      await changeCode(project, 'third build');
      before = await tagDigests(project);
      const result = await uai(['build', '--builder', 'native', '--no-tag', '--json']);
      expect(result.code, result.stderr).toBe(0);
      report = result.stdout;
      staged = models(report);
      for (const name of names) expect(staged[name]!.status).toBe('staged');
      expect(await tagDigests(project)).toEqual(before);
    });

    it.each([
      {
        name: 'a model missing from the reports',
        edit: (doc: { models: JsonModel[] }) => ({ models: doc.models.filter((m) => m.name !== 'gamma') }),
        says: 'gamma: in the config but in no report',
      },
      {
        name: 'a failed model',
        edit: (doc: { models: JsonModel[] }) => ({ models: doc.models.map((m) => (m.name === 'beta' ? { ...m, status: 'failed' } : m)) }),
        says: 'beta: failed',
      },
    ])('refuses $name: exit 1, no tag moved', async ({ edit, says }) => {
      const result = await publish(JSON.stringify(edit(JSON.parse(report))));
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(says);
      expect(await tagDigests(project)).toEqual(before);
    });

    it('refuses a digest the registry no longer holds: exit 1, no tag moved', async () => {
      const { repository } = splitImageRef(staged.alpha!.image);
      const auth = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
      const deleted = await fetch(`${registry.url}/v2/${repository}/manifests/${staged.alpha!.digest}`, { method: 'DELETE', headers: { authorization: auth } });
      expect(deleted.status).toBe(202);
      const result = await publish(report);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`alpha: ${staged.alpha!.digest} is no longer in`);
      expect(await tagDigests(project)).toEqual(before);
    });

    it('puts back the tags it moved when a later one fails, then publishes them all', async () => {
      const proxy: FaultProxy = await startFaultProxy(registry);
      try {
        const env = { ...registryEnv(registry), host: proxy.host };
        const restaged = await runUai(project, ['build', '--builder', 'native', '--no-tag', '--json'], env);
        expect(restaged.code, restaged.stderr).toBe(0);
        const moved = await tagDigests(project, proxy.host);
        // The second tag's PUT fails, after the first has moved.
        proxy.setRules([{ method: 'PUT', path: /\/v2\/uai_release\/beta\/manifests\/v1$/, fault: 400 }]);
        await writeFile(reportFile(), restaged.stdout);
        const failed = await runUai(project, ['publish', reportFile()], env);
        expect(failed.code, failed.stderr).toBe(1);
        expect(failed.stderr).toContain('put back');
        expect(proxy.events.some((e) => e.method === 'PUT' && /alpha\/manifests\/v1$/.test(e.path))).toBe(true);
        expect(await tagDigests(project, proxy.host)).toEqual(moved);
        proxy.setRules([]);
        const published = await runUai(project, ['publish', reportFile()], env);
        expect(published.code, published.stderr).toBe(0);
        const now = await tagDigests(project, proxy.host);
        for (const model of Object.values(models(restaged.stdout))) expect(now[model.name]).toBe(model.digest);
      } finally {
        await proxy.stop();
      }
    });
  });

  it('Ctrl-C during uai test exits 130 and leaves no container', async () => {
    const env = registryEnv(registry);
    const child = spawn(process.execPath, [uaiBin, 'test'], {
      cwd: project.dir,
      env: {
        ...baseEnv(),
        HOME: project.home,
        DOCKER_CONFIG: project.dockerConfig,
        TMPDIR: project.tmp,
        CI: 'true',
        UAI_REGISTRY_HOST: env.host!,
        UHUB_USERNAME: env.username!,
        UHUB_PASSWORD: env.password!,
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 600 && (await leftContainers()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await leftContainers()).not.toEqual([]);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await leftContainers()).toEqual([]);
  });
});
