import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { defineCommands } from './program.js';

// The CI recipes of examples/ci are files users copy: they must stay valid YAML, keep the shape the
// README promises (N shards, reports kept on failure, publish after all shards, credentials from the
// CI's secret store) and run only `uai` command lines the real parser accepts.

const examples = fileURLToPath(new URL('../../../examples/ci/', import.meta.url));

/** Every YAML document of an example, as plain values; a syntax error fails here, naming the file. */
function load(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(examples + file, 'utf8'));
  const errors = docs.flatMap((doc) => doc.errors.map((e) => `${file}: ${e.message}`));
  expect(errors).toEqual([]);
  return docs.map((doc) => doc.toJS());
}

type Dict = Record<string, unknown>;

function dict(value: unknown, what: string): Dict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`);
  return value as Dict;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

/** Every string in a YAML tree with its path (`jobs.build.steps.3.run`). */
function strings(node: unknown, at: string[] = []): { path: string[]; value: string }[] {
  if (typeof node === 'string') return [{ path: at, value: node }];
  if (Array.isArray(node)) return node.flatMap((item, i) => strings(item, [...at, String(i)]));
  if (typeof node === 'object' && node !== null) return Object.entries(node).flatMap(([key, value]) => strings(value, [...at, key]));
  return [];
}

/** The keys whose text a shell (or the container runtime) runs. */
const shellKeys = new Set(['run', 'script', 'before_script', 'after_script', 'command', 'args']);

/** The shell text of a tree: the strings under run:, script:, command:, args:. */
function shellText(node: unknown): string[] {
  return strings(node)
    .filter(({ path }) => path.some((key) => shellKeys.has(key)))
    .map(({ value }) => value);
}

/**
 * Expands what the CI puts in a command line, as that CI would for one machine: `${{ matrix.x }}`,
 * `$((arithmetic))`, `${NAME}` and `$NAME`. A variable the test has no value for fails the test, so a
 * new one in a recipe gets a sample value here rather than slipping through unchecked.
 */
function expand(text: string, vars: Record<string, string>): string {
  const value = (name: string): string => {
    if (!(name in vars)) throw new Error(`no sample value for ${name} in: ${text}`);
    return vars[name];
  };
  return text
    .replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => value(name))
    .replace(/\$\(\((.*?)\)\)/g, (_, expr: string) => {
      const numbers = expr.replace(/\$?\{?([A-Za-z_]\w*)\}?/g, (__, name: string) => value(name));
      if (!/^\s*\d+(\s*[-+]\s*\d+)*\s*$/.test(numbers)) throw new Error(`cannot evaluate $((${expr}))`);
      // Left to right over + and -: all the arithmetic a recipe needs.
      const terms = numbers.replace(/\s+/g, '').match(/[-+]?\d+/g) ?? [];
      return String(terms.reduce((sum, term) => sum + Number(term), 0));
    })
    .replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (_, braced: string | undefined, bare: string | undefined) => value((braced ?? bare)!));
}

/** Shell text that runs `uai` (alone or after `npx`). */
const runsUai = /(?:^|[\s;&|(])uai\s+[a-z]/m;

/** One `uai` command line: argv after `uai`, where its stdout goes (`> FILE`), and its text for messages. */
interface UaiLine {
  argv: string[];
  stdout?: string;
  text: string;
}

/**
 * The `uai <command> ...` invocations in shell text (`uai` alone or after `npx`), each up to the end of
 * its simple command (`&&`, `;`, `|` or the line's end), expanded with `vars` as on one machine. Quotes
 * are removed as the shell does; `> FILE` is kept apart; comment lines are skipped.
 */
function uaiLines(script: string, vars: Record<string, string> = {}): UaiLine[] {
  const lines = script
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'));
  const found: UaiLine[] = [];
  for (const line of lines) {
    for (const match of line.matchAll(/(?:^|[\s;&|(])uai\s+(?=[a-z])/g)) {
      const text = expand(simpleCommand(line.slice(match.index + match[0].length)), vars).trim();
      found.push({ ...words(text), text });
    }
  }
  return found;
}

/** Text up to the first `;`, `&` or `|` outside quotes: one simple command and its redirections. */
function simpleCommand(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) quote = c === quote ? null : quote;
    else if (c === "'" || c === '"') quote = c;
    else if (';&|'.includes(c)) return text.slice(0, i);
  }
  return text;
}

/** Shell words up to the end of a simple command; `>` and `2>` redirections are taken out. */
function words(text: string): { argv: string[]; stdout?: string } {
  const argv: string[] = [];
  let stdout: string | undefined;
  let word: string | null = null;
  let redirect: 'stdout' | 'other' | null = null;
  const end = () => {
    if (word === null) return;
    if (redirect === 'stdout') stdout = word;
    else if (redirect === null) argv.push(word);
    word = null;
    redirect = null;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new Error(`unclosed ${c} in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, close);
      i = close;
    } else if (c === '>') {
      // `2>` sends stderr elsewhere; a bare `>` (or `1>`) is stdout.
      const fd = word !== null && /^\d$/.test(word) ? word : '1';
      word = null;
      redirect = fd === '1' ? 'stdout' : 'other';
    } else if (';&|<\n'.includes(c)) {
      break;
    } else if (/\s/.test(c)) {
      if (word !== null) end();
    } else {
      word = (word ?? '') + c;
    }
  }
  end();
  return { argv, stdout };
}

/** `uai` as bin.ts builds it, with every action replaced by a no-op: parsing runs no build. */
function parser(): Command {
  const program = new Command('uai').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  defineCommands(program, { env: {}, secrets: [], setStatus: () => {} });
  for (const command of program.commands) command.action(() => {});
  return program;
}

/**
 * A recipe's `uai` command line is a real one: the command exists, it has every `--flag` used, and the
 * real command-line parser (option parsers and choices included) accepts the whole line.
 */
function expectRealCommand(line: UaiLine): void {
  const [name, ...rest] = line.argv;
  const command = parser().commands.find((c) => c.name() === name);
  expect(command, `uai has no command ${name}`).toBeDefined();
  const known = command!.options.map((o) => o.long);
  for (const flag of rest.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0])) {
    expect(known, `uai ${name} has no ${flag} (in: uai ${line.text})`).toContain(flag);
  }
  expect(() => parser().parse(line.argv, { from: 'user' }), `uai ${line.text}`).not.toThrow();
}

/** Some glob of `globs` matches `file` as the shell matches `*` (not across `/`). */
function expectMatched(globs: string[], file: string, what: string): void {
  const patterns = globs.map((glob) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`));
  const matched = patterns.some((pattern) => pattern.test(file));
  expect(matched, `${what} ${file}`).toBe(true);
}

/** What every recipe must do, given the command lines each of its N machines runs. */
function expectShardedRecipe(n: number, builds: UaiLine[], publishes: UaiLine[]): void {
  expect(builds, 'one build command per machine').toHaveLength(n);
  for (const line of [...builds, ...publishes]) expectRealCommand(line);
  // Each machine builds its own shard: 1/N..N/N, every one exactly once.
  const shards = builds.map(({ argv }) => argv[argv.indexOf('--shard') + 1]);
  expect(shards.sort()).toEqual(Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).sort());
  for (const { argv, stdout, text } of builds) {
    expect(argv[0]).toBe('build');
    // Staged, not tagged: only publish moves tags. The JSON report is what publish reads.
    expect(argv, text).toContain('--no-tag');
    expect(argv, text).toContain('--json');
    expect(argv, text).not.toContain('--atomic');
    expect(stdout, `${text}: the report goes to a file`).toBeDefined();
  }
  // Every machine writes its own report: none overwrites another's.
  expect(new Set(builds.map((b) => b.stdout)).size).toBe(n);
  expect(publishes, 'one publish command').toHaveLength(1);
  expect(publishes[0].argv[0]).toBe('publish');
  expect(publishes[0].argv.length, 'publish names the reports').toBeGreaterThan(1);
}

/** The report paths publish reads (its arguments) match every report path in `reports`. */
function expectPublishReads(publish: UaiLine, reports: string[]): void {
  const globs = publish.argv.slice(1).filter((arg) => !arg.startsWith('-'));
  for (const report of reports) expectMatched(globs, report, `uai ${publish.text} reads`);
}

const credentials = ['UHUB_USERNAME', 'UHUB_PASSWORD'];

describe('examples/ci/github-actions.yml', () => {
  const [workflow] = load('github-actions.yml');
  const jobs = dict(dict(workflow, 'workflow').jobs, 'jobs');
  const build = dict(jobs.build, 'jobs.build');
  const publish = dict(jobs.publish, 'jobs.publish');
  const strategy = dict(build.strategy, 'jobs.build.strategy');
  const matrix = list(dict(strategy.matrix, 'matrix').shard, 'matrix.shard');
  const n = matrix.length;
  const buildSteps = list(build.steps, 'jobs.build.steps').map((s, i) => dict(s, `jobs.build.steps.${i}`));
  const publishSteps = list(publish.steps, 'jobs.publish.steps').map((s, i) => dict(s, `jobs.publish.steps.${i}`));
  const stepUsing = (steps: Dict[], action: string) => steps.find((s) => s.uses === action);
  const upload = dict(stepUsing(buildSteps, 'actions/upload-artifact@v4'), 'an actions/upload-artifact@v4 step');
  const download = dict(stepUsing(publishSteps, 'actions/download-artifact@v4'), 'an actions/download-artifact@v4 step');
  const buildLines = matrix.flatMap((shard) => shellText(build.steps).flatMap((text) => uaiLines(text, { 'matrix.shard': String(shard) })));
  const publishLines = shellText(publish.steps).flatMap((text) => uaiLines(text, {}));

  it('has a matrix of shards 1..N that all run to the end', () => {
    expect(n).toBeGreaterThan(1);
    expect(matrix).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // A failed shard must not cancel the others before their reports upload.
    expect(strategy['fail-fast']).toBe(false);
  });

  it('builds each shard staged, and publishes every report once all shards are done', () => {
    expectShardedRecipe(n, buildLines, publishLines);
    const needs = publish.needs;
    expect(typeof needs === 'string' ? [needs] : list(needs, 'jobs.publish.needs')).toContain('build');
  });

  it('uploads each shard report, even from a failed shard, and publish downloads them all', () => {
    expect(String(upload.if).replace(/^\$\{\{\s*|\s*\}\}$/g, '')).toBe('always()');
    const uploadWith = dict(upload.with, 'upload-artifact with');
    const downloadWith = dict(download.with, 'download-artifact with');
    expect(downloadWith['merge-multiple']).toBe(true);
    const folder = String(downloadWith.path ?? '.');
    const reports = matrix.map((shard) => {
      const vars = { 'matrix.shard': String(shard) };
      const { stdout } = buildLines.find((line) => line.argv.includes(`${shard}/${n}`))!;
      // The artifact is the file the build wrote, under a name per shard that the download pattern takes.
      expect(expand(String(uploadWith.path), vars)).toBe(stdout);
      expectMatched([String(downloadWith.pattern)], expand(String(uploadWith.name), vars), 'the download pattern takes');
      return `${folder}/${stdout!.split('/').pop()}`;
    });
    expect(new Set(matrix.map((shard) => expand(String(uploadWith.name), { 'matrix.shard': String(shard) }))).size, 'one artifact name per shard').toBe(n);
    expectPublishReads(publishLines[0], reports);
  });

  it('takes credentials only from secrets, as environment variables of the steps that run uai', () => {
    for (const { path, value } of strings(workflow)) {
      const inEnv = path.at(-2) === 'env';
      if (path.some((key) => shellKeys.has(key))) {
        for (const name of credentials) expect(value, `${path.join('.')} names ${name}`).not.toContain(name);
        expect(value, `${path.join('.')} reads a secret`).not.toMatch(/secrets\./);
      }
      if (credentials.includes(path.at(-1)!) && inEnv) expect(value).toBe(`\${{ secrets.${path.at(-1)} }}`);
      if (/secrets\./.test(value)) expect(inEnv, `${path.join('.')}: a secret outside env:`).toBe(true);
    }
    for (const step of [...buildSteps, ...publishSteps].filter((s) => typeof s.run === 'string' && runsUai.test(s.run))) {
      const env = dict(step.env, `env of: ${step.run}`);
      for (const name of credentials) expect(env[name]).toBe(`\${{ secrets.${name} }}`);
    }
    // Not at the workflow or job level either, where npm ci's install scripts would see them.
    for (const at of [workflow, build, publish]) expect(Object.keys(dict(at, 'env holder').env ?? {})).not.toContain('UHUB_PASSWORD');
  });
});

describe('examples/ci/gitlab-ci.yml', () => {
  const [pipeline] = load('gitlab-ci.yml');
  const root = dict(pipeline, 'pipeline');
  const build = dict(root.build, 'build');
  const publish = dict(root.publish, 'publish');
  const n = Number(build.parallel);
  // GitLab numbers the copies of a parallel job 1..N.
  const buildLines = Array.from({ length: n }, (_, i) =>
    [root.default, build].flatMap((at) => shellText(at).flatMap((text) => uaiLines(text, { CI_NODE_INDEX: String(i + 1), CI_NODE_TOTAL: String(n) }))),
  ).flat();
  const reports = buildLines.map((line) => line.stdout!);
  const publishLines = [root.default, publish].flatMap((at) => shellText(at).flatMap((text) => uaiLines(text, {})));

  it('runs N copies of the build job, each its own shard, staged', () => {
    expect(Number.isInteger(n) && n > 1, `parallel: ${build.parallel}`).toBe(true);
    expectShardedRecipe(n, buildLines, publishLines);
  });

  it('keeps every report as an artifact, even from a failed shard', () => {
    const artifacts = dict(build.artifacts, 'build.artifacts');
    expect(artifacts.when).toBe('always');
    const paths = list(artifacts.paths, 'build.artifacts.paths').map(String);
    for (const report of reports) expectMatched(paths, report, 'artifacts: paths keeps');
  });

  it('publishes in a later stage, after the build job, with its reports', () => {
    const stages = list(root.stages, 'stages');
    expect(stages.indexOf(publish.stage)).toBeGreaterThan(stages.indexOf(build.stage ?? 'test'));
    const needs = list(publish.needs, 'publish.needs').map((need) => (typeof need === 'string' ? { job: need } : dict(need, 'publish.needs item')));
    const onBuild = needs.find((need) => need.job === 'build');
    expect(onBuild, 'publish needs build').toBeDefined();
    // `artifacts` defaults to true; false would leave publish without the reports.
    expect(onBuild!.artifacts ?? true).toBe(true);
    expect(publish.when ?? 'on_success', 'publish runs only when every shard succeeded').toBe('on_success');
    expectPublishReads(publishLines[0], reports);
  });

  it('leaves credentials to masked CI/CD variables: none in the file', () => {
    // Not as a key anywhere (variables:), and not read in a script.
    const lines = readFileSync(`${examples}gitlab-ci.yml`, 'utf8').split('\n');
    expect(lines.filter((line) => /^\s*-?\s*UHUB_(USERNAME|PASSWORD)\s*:/.test(line))).toEqual([]);
    for (const text of shellText(pipeline)) expect(text).not.toContain('UHUB_PASSWORD');
  });
});

describe('examples/ci/k8s-indexed-job.yaml', () => {
  const docs = load('k8s-indexed-job.yaml').map((doc, i) => dict(doc, `document ${i + 1}`));
  const jobs = docs.filter((doc) => doc.kind === 'Job');
  const indexed = jobs.find((job) => dict(job.spec, 'Job spec').completionMode === 'Indexed');
  const others = jobs.filter((job) => job !== indexed);
  const spec = dict(indexed?.spec, 'the Indexed Job spec');
  const n = Number(spec.completions);
  const podSpec = (job: Dict | undefined) => dict(dict(dict(job?.spec, 'Job spec').template, 'Job template').spec, 'pod spec');
  const container = (job: Dict | undefined) => dict(list(podSpec(job).containers, 'containers')[0], 'container');
  const mounts = (job: Dict | undefined) => {
    const volumes = list(podSpec(job).volumes, 'volumes').map((v) => dict(v, 'volume'));
    return list(container(job).volumeMounts, 'volumeMounts').map((m) => {
      const mount = dict(m, 'volumeMount');
      const volume = volumes.find((v) => v.name === mount.name);
      return { path: String(mount.mountPath), claim: dict(volume?.persistentVolumeClaim, `volume ${mount.name}`).claimName };
    });
  };
  // The Indexed Job gives each pod JOB_COMPLETION_INDEX = 0..N-1.
  const buildLines = Array.from({ length: n }, (_, index) =>
    shellText(indexed).flatMap((text) => uaiLines(text, { JOB_COMPLETION_INDEX: String(index) })),
  ).flat();
  const publishJob = others.find((job) => shellText(job).some((text) => /(?:^|[\s;&|(])uai\s+publish\b/.test(text)));
  const publishLines = shellText(publishJob).flatMap((text) => uaiLines(text, {}));

  it('is an Indexed Job of N pods, each index retried on its own', () => {
    expect(indexed, 'a Job with completionMode: Indexed').toBeDefined();
    expect(n).toBeGreaterThan(1);
    expect(spec.parallelism).toBe(n);
    expect(spec.backoffLimitPerIndex).toEqual(expect.any(Number));
    // Unset: a failed index must not stop the other shards before they write their reports.
    expect(spec.maxFailedIndexes).toBeUndefined();
    // backoffLimitPerIndex (and podFailurePolicy) need it.
    expect(podSpec(indexed).restartPolicy).toBe('Never');
    for (const rule of list(dict(spec.podFailurePolicy ?? { rules: [] }, 'podFailurePolicy').rules, 'podFailurePolicy.rules')) {
      const { onExitCodes } = dict(rule, 'podFailurePolicy rule');
      if (onExitCodes) expect(dict(onExitCodes, 'onExitCodes').containerName, 'a rule names the container').toBe(container(indexed).name);
    }
  });

  it('builds shard index+1 of N in each pod, staged, and a second Job publishes every report', () => {
    expectShardedRecipe(n, buildLines, publishLines);
    expect(publishJob, 'a Job that runs uai publish').toBeDefined();
    expect(dict(publishJob?.spec, 'publish Job spec').completionMode ?? 'NonIndexed').toBe('NonIndexed');
  });

  it('writes the reports on a PersistentVolumeClaim that the publish Job reads', () => {
    const claims = docs.filter((doc) => doc.kind === 'PersistentVolumeClaim').map((doc) => dict(doc.metadata, 'PVC metadata').name);
    const reportsAt = (job: Dict | undefined, file: string) => mounts(job).find((m) => file.startsWith(`${m.path}/`));
    const reports = buildLines.map((line) => line.stdout!);
    for (const report of reports) {
      const mount = reportsAt(indexed, report);
      expect(mount, `${report} is on a mounted volume`).toBeDefined();
      expect(claims).toContain(mount!.claim);
      // The publish Job sees the same claim at the same path.
      expect(reportsAt(publishJob, report)?.claim).toBe(mount!.claim);
    }
    expectPublishReads(publishLines[0], reports);
  });

  it('takes credentials from a Secret through secretKeyRef, never from the command line', () => {
    for (const job of [indexed, publishJob]) {
      const env = list(container(job).env, 'container env').map((e) => dict(e, 'env entry'));
      for (const name of credentials) {
        const entry = env.find((e) => e.name === name);
        expect(entry, `${name} in the env`).toBeDefined();
        expect(entry!.value, `${name} written in the file`).toBeUndefined();
        const ref = dict(dict(entry!.valueFrom, `${name} valueFrom`).secretKeyRef, `${name} secretKeyRef`);
        expect(ref.name).toEqual(expect.any(String));
        expect(ref.key).toEqual(expect.any(String));
      }
    }
    for (const text of docs.flatMap(shellText)) expect(text).not.toContain('UHUB_PASSWORD');
    expect(docs.filter((doc) => doc.kind === 'Secret').length, 'no Secret with a password in the file').toBe(0);
  });
});
