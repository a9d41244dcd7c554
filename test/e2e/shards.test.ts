// Issue 14, past one machine: three `uai build --shard K/3 --no-tag` processes, each as its own machine
// (its own copy of the project, HOME, caches and .uai/), build a six-model batch at once; `uai publish`
// of the three reports then tags it as one. With one shard failed, nothing is published.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eContext } from './support/context.js';
import { run } from './support/exec.mjs';
import { createProject, type Project } from './support/project.js';
import { registryClient, splitImageRef } from './support/registry-client.mjs';
import { registryEnv, runUai } from './support/uai.js';

const registry = e2eContext();
const client = registryClient(registry);
const names = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];

interface Report {
  shard?: string;
  models: { name: string; image: string; status: string; digest: string | null }[];
}

/** A copy of the project as another machine has it: its own folder, HOME, Docker config and TMPDIR. */
async function machine(project: Project, k: number): Promise<Project> {
  const base = path.join(path.dirname(project.dir), `machine-${k}`);
  await rm(base, { recursive: true, force: true });
  await mkdir(base, { recursive: true });
  const dir = path.join(base, 'project');
  await run('cp', ['-a', project.dir, dir]);
  await rm(path.join(dir, '.uai'), { recursive: true, force: true });
  const home = path.join(base, 'home');
  const dockerConfig = path.join(home, '.docker');
  await mkdir(dockerConfig, { recursive: true });
  await writeFile(path.join(dockerConfig, 'config.json'), '{}\n');
  const tmp = path.join(base, 'tmp');
  await mkdir(tmp);
  return { ...project, dir, home, dockerConfig, tmp };
}

async function tagDigests(project: Project): Promise<Record<string, string | undefined>> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const { repository, reference } = splitImageRef(project.imageRef(registry.host, `${name}:v1`));
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

/** Where a machine keeps the report of its last shard build (beside its copy of the project). */
const reportFile = (m: Project) => path.join(path.dirname(m.dir), 'report.json');

/** The three shards built at once, each on its own machine; their reports. */
async function buildShards(machines: Project[]): Promise<{ code: number; report: Report; file: string }[]> {
  return Promise.all(
    machines.map(async (m, i) => {
      const result = await runUai(m, ['build', '--builder', 'native', '--shard', `${i + 1}/3`, '--no-tag', '--json'], registryEnv(registry));
      const file = reportFile(m);
      await writeFile(file, result.stdout);
      return { code: result.code, report: JSON.parse(result.stdout) as Report, file };
    }),
  );
}

describe('three shards, one release', () => {
  let project: Project;
  let machines: Project[];

  beforeAll(async () => {
    project = await createProject({ namespace: 'uai_shards', models: names.map((name) => ({ name, image: `${name}:v1` })) });
    // Models of different sizes, so the split has something to balance.
    for (const [i, name] of names.entries())
      await writeFile(path.join(project.dir, 'models', name, 'checkpoint_dir', 'extra.bin'), randomBytes((i + 1) * 256 * 1024));
    machines = await Promise.all([1, 2, 3].map((k) => machine(project, k)));
  });

  afterAll(async () => {
    await project?.remove();
  });

  it('builds every model in exactly one shard, none empty, and publishes them as one', async () => {
    const shards = await buildShards(machines);
    for (const [i, shard] of shards.entries()) {
      expect(shard.code).toBe(0);
      expect(shard.report.shard).toBe(`${i + 1}/3`);
      expect(shard.report.models.length).toBeGreaterThan(0);
      for (const model of shard.report.models) expect(model.status).toBe('staged');
    }
    const built = shards.flatMap((shard) => shard.report.models.map((model) => model.name));
    expect(built.sort()).toEqual([...names].sort());
    // Staged: no tag yet.
    expect(Object.values(await tagDigests(project))).toEqual(names.map(() => undefined));

    const published = await runUai(machines[0]!, ['publish', ...shards.map((shard) => shard.file)], registryEnv(registry));
    expect(published.code, published.stderr).toBe(0);
    const tags = await tagDigests(project);
    for (const model of shards.flatMap((shard) => shard.report.models)) expect(tags[model.name]).toBe(model.digest);
  });

  it('the same split on every machine: a machine asked for shard 2 builds what shard 2 built', async () => {
    const namesOf = (text: string) => (JSON.parse(text) as Report).models.map((model) => model.name).sort();
    // The report of the shard 2 the first test built, on the second machine.
    const built = namesOf(await readFile(reportFile(machines[1]!), 'utf8'));
    const again = await runUai(machines[2]!, ['build', '--builder', 'native', '--shard', '2/3', '--dry-run', '--json'], registryEnv(registry));
    expect(again.code, again.stderr).toBe(0);
    expect(namesOf(again.stdout)).toEqual(built);
  });

  it('publishes nothing when one shard failed', async () => {
    const before = await tagDigests(project);
    for (const m of machines) for (const name of names) await appendFile(path.join(m.dir, 'models', name, 'mnist_inference.py'), '# again\n');
    // On the third machine one model's weights are missing: its shard's report says failed.
    for (const name of names) await rm(path.join(machines[2]!.dir, 'models', name, 'checkpoint_dir', 'mnist_model.caffemodel'), { force: true });
    const shards = await buildShards(machines);
    expect(shards[2]!.code).toBe(1);
    const published = await runUai(machines[0]!, ['publish', ...shards.map((shard) => shard.file)], registryEnv(registry));
    expect(published.code).toBe(1);
    expect(published.stderr).toContain('Nothing was published');
    expect(await tagDigests(project)).toEqual(before);
  });

  it('refuses a bad --shard as a usage error (exit 2)', async () => {
    for (const value of ['0/3', '4/3', 'a/b']) {
      const result = await runUai(machines[0]!, ['build', '--shard', value, '--dry-run'], registryEnv(registry));
      expect(result.code, value).toBe(2);
      expect(result.stderr).toContain('--shard');
    }
  });
});
