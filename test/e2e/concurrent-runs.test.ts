// Two `uai build` in one project at once (two terminals, a save hook, CI jobs sharing a workspace):
// both succeed. One run holds `.uai/run.lock`; the other says once that it waits for it (naming its
// pid) and builds after it, so the tag ends up holding the code as the later run read it.
import { spawn } from 'node:child_process';
import { appendFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { uaiBin } from './support/paths.mjs';
import { createProject, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';

const registry = e2eContext();
const client = registryClient(registry);
const models = ['a', 'b', 'c', 'd', 'e', 'f'];

interface Finished {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `uai build --builder native --json` (for `only` models, else all) in the project (no Docker engine reachable); resolves when it exits. */
function startBuild(project: Project, only: string[] = []): Promise<Finished> {
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
  const args = [uaiBin, 'build', '--builder', 'native', '--json', ...only.flatMap((name) => ['--model', name])];
  const child = spawn(process.execPath, args, { cwd: project.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ pid: child.pid!, code, stdout, stderr });
    }),
  );
}

/**
 * Both runs succeeded, each building its models (`built[i]`, default all) pushed or skipped; one waited
 * for the other, saying so once with its pid.
 */
function expectBothSucceeded(runs: Finished[], built: string[][] = [models, models]): void {
  for (const [i, finished] of runs.entries()) {
    expect(finished.code, finished.stderr).toBe(0);
    const report = JSON.parse(finished.stdout) as { models: { name: string; status: string }[] };
    expect(report.models.map((model) => model.name)).toEqual(built[i]);
    for (const model of report.models) expect(['pushed', 'skipped']).toContain(model.status);
    const waits = finished.stderr.split('\n').filter((line) => /waiting for/.test(line));
    expect(waits.length).toBeLessThanOrEqual(1);
    if (waits.length === 1) expect(waits[0]).toContain(`pid ${runs[1 - i]!.pid}`);
  }
  const waited = runs.filter((finished) => /waiting for/.test(finished.stderr));
  expect(waited, runs.map((finished) => finished.stderr).join('\n---\n')).toHaveLength(1);
}

let project: Project;

beforeAll(async () => {
  project = await createProject({ models: models.map((name) => ({ name, image: `concurrent-${name}:v1` })) });
});

afterAll(async () => {
  await project?.remove();
});

describe('two uai build at once in one project', () => {
  it('both succeed', async () => {
    expectBothSucceeded(await Promise.all([startBuild(project), startBuild(project)]));
  });

  it('both succeed after a code change, and every tag holds the new code', async () => {
    for (const name of models) await appendFile(path.join(project.dir, 'models', name, 'mnist_inference.py'), `# changed for ${name}\n`);
    expectBothSucceeded(await Promise.all([startBuild(project), startBuild(project)]));
    for (const name of models) {
      const { repository, reference } = splitImageRef(project.imageRef(registry.host, `concurrent-${name}:v1`));
      const files = await client.files(repository, reference);
      const code = files.get('ai-ucloud-client-django/mnist_inference.py');
      expect(code?.data.toString('utf8')).toContain(`# changed for ${name}\n`);
    }
  });

  // Each run writes `.uai/last-build.json` and `.uai/cache/images.json` once, at its end, with the records
  // of the models it built: merged over what the file holds then, else the later run drops the other's.
  it('keeps the models of both runs in the caches each run writes', async () => {
    const first = models.slice(0, 3);
    const second = models.slice(3);
    await rm(path.join(project.dir, '.uai/last-build.json'), { force: true });
    await rm(path.join(project.dir, '.uai/cache/images.json'), { force: true });
    // Changed code: every model is pushed, and a pushed model is always recorded.
    for (const name of models) await appendFile(path.join(project.dir, 'models', name, 'mnist_inference.py'), `# changed again for ${name}\n`);
    const runs = await Promise.all([startBuild(project, first), startBuild(project, second)]);
    expectBothSucceeded(runs, [first, second]);
    for (const finished of runs) {
      const report = JSON.parse(finished.stdout) as { models: { status: string }[] };
      expect(report.models.map((model) => model.status)).toEqual(['pushed', 'pushed', 'pushed']);
    }
    const lastBuild = JSON.parse(await readFile(path.join(project.dir, '.uai/last-build.json'), 'utf8')) as { models: Record<string, { image: string }> };
    expect(Object.keys(lastBuild.models).sort()).toEqual(models);
    const images = JSON.parse(await readFile(path.join(project.dir, '.uai/cache/images.json'), 'utf8')) as Record<string, { image: string }>;
    expect(Object.keys(images).sort()).toEqual(models);
    for (const name of models) {
      const ref = project.imageRef(registry.host, `concurrent-${name}:v1`);
      expect(lastBuild.models[name]?.image).toBe(ref);
      expect(images[name]?.image).toBe(ref);
    }
  });
});
