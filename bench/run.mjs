// Benchmarks of the native builder (issue 5). Needs what the e2e tests need: a Docker engine (for the
// stand-in base image and the docker-builder comparison), Debian's docker-registry, htpasswd, curl and
// openssl. Starts its own registry on 127.0.0.1, writes bench/results.md. Not a test: it prints numbers
// and marks each against its target.
//
//   npm run bench                    full sizes (400 MB, 2 GB of weights; a few GB of disk)
//   BENCH_SIZE=small npm run bench   a smoke run for CI (a few MB)
//   BENCH_ONLY=a,c npm run bench     some scenarios only
//   BENCH_REPS=5 npm run bench       runs of each timed contender (default 3, 1 when small); medians compared
//   BENCH_OUT=FILE npm run bench     write the results there instead of bench/results*.md
//   BENCH_KEEP_CA=1 npm run bench    keep NODE_EXTRA_CA_CERTS for uai (see `nodeStartCost`)
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, openSync, closeSync, writeSync, rmSync, symlinkSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry } from '../test/e2e/support/registry.mjs';
import { buildStandin, pushStandins } from '../test/e2e/support/standin.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const small = process.env.BENCH_SIZE === 'small';
const only = process.env.BENCH_ONLY?.split(',');
const MB = 1024 * 1024;
const sizes = small
  ? { a: 20 * MB, perModel: 256 * 1024, parallel: 4 * MB, rssSmall: 10 * MB, rssBig: 100 * MB }
  : { a: 400 * MB, perModel: 1 * MB, parallel: 50 * MB, rssSmall: 200 * MB, rssBig: 2048 * MB };
const baseImage = 'uaishare/cpu_uaiservice_ubuntu-14.04_python-2.7.6_caffe-1.0.0:v1.2';
const log = (line) => process.stderr.write(`[bench] ${line}\n`);
/** Runs of each timed contender: the registry's ingest is noisy, medians are compared. */
const reps = Number(process.env.BENCH_REPS ?? (small ? 1 : 3));

/** Runs a program; resolves with its output and wall time. */
function run(file, args, { env = process.env, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    if (input !== undefined) child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

async function runOk(file, args, options) {
  const result = await run(file, args, options);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Float32 weights, written 4 MB at a time (never the whole file in memory). */
function writeWeights(file, bytes) {
  const fd = openSync(file, 'w');
  const floats = new Float32Array(MB);
  const raw = new Uint32Array(floats.buffer);
  try {
    for (let done = 0; done < bytes; ) {
      randomFillSync(raw);
      // Plausible weights: small normal-ish floats, not random bit patterns.
      for (let i = 0; i < floats.length; i++) floats[i] = ((raw[i] / 0xffffffff) - 0.5) * 0.2;
      const n = Math.min(floats.byteLength, bytes - done);
      writeSync(fd, new Uint8Array(floats.buffer, 0, n));
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

let registry;
let workDir;
let counter = 0;

/** A project with `count` caffe models, each with `weightBytes` of weights under checkpoint_dir. */
function makeProject({ count = 1, weightBytes, namespace = `bench${++counter}` }) {
  const dir = path.join(workDir, `project-${counter}-${Date.now()}`);
  const models = [];
  for (let i = 0; i < count; i++) {
    const name = `m${i}`;
    const code = path.join(dir, 'models', name);
    cpSync(path.join(repoRoot, 'examples/caffe-mnist/code'), code, { recursive: true });
    writeWeights(path.join(code, 'checkpoint_dir', 'weights.bin'), weightBytes);
    models.push({
      name,
      framework: 'caffe',
      aiArchV: 'caffe-1.0.0',
      packFilePath: `./models/${name}`,
      mainModule: 'mnist_inference',
      mainClass: 'MnistModel',
      modelDir: 'checkpoint_dir',
      modelName: 'mnist_model',
      image: `bench-${name}:v1`,
    });
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  writeFileSync(path.join(dir, 'uai.config.ts'), `import { defineConfig } from '@uai/core';\nexport default defineConfig(${JSON.stringify({ registry: { namespace }, models }, null, 2)});\n`);
  return { dir, namespace, models };
}

/**
 * Node 20 reads the file NODE_EXTRA_CA_CERTS names at every start, before any of uai runs; some
 * sandboxes set it for their proxy. The registry here is plain http on loopback, so uai runs without
 * it unless BENCH_KEEP_CA=1, and the machine section says what it costs.
 */
const dropped = process.env.BENCH_KEEP_CA === '1' ? /^(UHUB_|UAI_|DOCKER_CONFIG$)/ : /^(UHUB_|UAI_|DOCKER_CONFIG$|NODE_EXTRA_CA_CERTS$)/;

function uaiEnv(project, extra = {}) {
  const home = path.join(project.dir, '..', `home-${path.basename(project.dir)}`);
  mkdirSync(path.join(home, '.docker'), { recursive: true });
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !dropped.test(key))),
    HOME: home,
    DOCKER_CONFIG: path.join(home, '.docker'),
    UAI_REGISTRY_HOST: registry.host,
    UHUB_USERNAME: registry.username,
    UHUB_PASSWORD: registry.password,
    CI: 'true',
    ...extra,
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (0 where there is none). */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** `uai build --builder native --json` through the real CLI, with no Docker engine reachable; peak RSS and CPU from GNU time. */
async function native(project, args = []) {
  const env = uaiEnv(project, { DOCKER_HOST: 'unix:///nonexistent/bench.sock' });
  const cli = [process.execPath, path.join(repoRoot, 'packages/cli/dist/bin.js'), 'build', '--builder', 'native', '--json', ...args];
  const registryCpuBefore = cpuSecondsOf(registry.pid);
  const result = await runOk('/usr/bin/time', ['-f', 'maxRssKB=%M cpu=%U+%S', ...cli], { cwd: project.dir, env });
  const registryCpu = cpuSecondsOf(registry.pid) - registryCpuBefore;
  const report = JSON.parse(result.stdout);
  const failed = report.models.filter((m) => m.status === 'failed');
  if (failed.length) throw new Error(`native build failed: ${JSON.stringify(failed)}`);
  const rss = Number(/maxRssKB=(\d+)/.exec(result.stderr)?.[1] ?? 0) * 1024;
  const cpu = /cpu=([\d.]+)\+([\d.]+)/.exec(result.stderr);
  return { ms: result.ms, report, rss, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0, registryCpu };
}

/** `uai build --dry-run`: start-up, config loading, checks and rendering, no builder. The fixed cost of any run. */
async function dryRun(project) {
  const result = await runOk(process.execPath, [path.join(repoRoot, 'packages/cli/dist/bin.js'), 'build', '--dry-run'], { cwd: project.dir, env: uaiEnv(project) });
  return result.ms;
}

/** The Docker builder through the real CLI. */
async function dockerBuilder(project) {
  let result = await run(process.execPath, [path.join(repoRoot, 'packages/cli/dist/bin.js'), 'build', '--json'], { cwd: project.dir, env: uaiEnv(project) });
  if (result.code !== 0 && /unknown parent image ID|No such image/.test(result.stdout)) {
    // The engine is shared: another run may have removed a cached parent meanwhile. Once more.
    log('docker build lost a cached parent image to another run on the engine; running it again');
    result = await run(process.execPath, [path.join(repoRoot, 'packages/cli/dist/bin.js'), 'build', '--json'], { cwd: project.dir, env: uaiEnv(project) });
  }
  if (result.code !== 0) throw new Error(`docker builder failed:\n${result.stdout}\n${result.stderr}`);
  return { ms: result.ms, report: JSON.parse(result.stdout) };
}

const authHeader = () => `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;

async function manifestOf(repository, reference) {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    headers: { authorization: authHeader(), accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  if (!response.ok) throw new Error(`manifest ${repository}:${reference}: ${response.status}`);
  return { bytes: Number(response.headers.get('content-length')), json: await response.json() };
}

/** Bytes `after` added to the registry over `before`: new blobs plus the manifest. */
async function addedBytes(repository, before, after) {
  const old = await manifestOf(repository, before);
  const now = await manifestOf(repository, after);
  const had = new Set([old.json.config.digest, ...old.json.layers.map((l) => l.digest)]);
  return [now.json.config, ...now.json.layers].filter((b) => !had.has(b.digest)).reduce((sum, b) => sum + b.size, now.bytes);
}

const sha256Of = async (file) => `sha256:${(await runOk('openssl', ['dgst', '-sha256', '-r', file])).stdout.split(' ')[0]}`;

/** One blob upload the plainest way: `POST`, then `curl -T` of the file in one `PUT ?digest=` (the password on stdin, not argv). */
async function curlBlob(file, digest, repository) {
  const start = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { authorization: authHeader() } });
  if (start.status !== 202) throw new Error(`upload POST: ${start.status}`);
  const location = new URL(start.headers.get('location'), registry.url);
  location.searchParams.set('digest', digest);
  const config = `user = "${registry.username}:${registry.password}"\n`;
  return runOk('curl', ['-sS', '-f', '-K', '-', '-T', file, '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', location.toString()], { input: config });
}

/** `curl -T` of the file as one blob, the digest computed beforehand: the time of the PUT. */
async function curlUpload(file, repository) {
  return (await curlBlob(file, await sha256Of(file), repository)).ms;
}

/** The wall time of uploading `files` with curl, all at once or one after another (digests computed beforehand). */
async function curlUploads(files, namespace, parallel) {
  const digests = await Promise.all(files.map(sha256Of));
  const started = process.hrtime.bigint();
  const one = (file, i) => curlBlob(file, digests[i], `${namespace}/curl-m${i}`);
  if (parallel) await Promise.all(files.map(one));
  else for (const [i, file] of files.entries()) await one(file, i);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtBytes = (n) => (n >= MB ? `${(n / MB).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`);
const results = [];
function record(id, what, value, target, ok) {
  results.push({ id, what, value, target, ok });
  log(`${id} ${what}: ${value}${target ? ` (target ${target}: ${ok ? 'met' : 'MISSED'})` : ''}`);
}

/** Writes dirty pages out (`sync`), so no timed run pays for what an earlier step wrote. */
const settle = () => runOk('sync', []);

/** The median of some values, by `key` (the value itself for numbers; the lower middle of an even count). */
const median = (values, key = (value) => value) => [...values].sort((x, y) => key(x) - key(y))[Math.floor((values.length - 1) / 2)];
const list = (values) => values.map(fmt).join(', ');

async function scenarioA() {
  // The registry's ingest varies by +-20% from one upload to the next here: each contender runs `reps`
  // times, interleaved, on fresh weights and a fresh repository, and the medians are compared.
  const curls = [];
  const natives = [];
  let project;
  let first;
  for (let rep = 0; rep < reps; rep++) {
    if (project) rmSync(project.dir, { recursive: true, force: true });
    project = makeProject({ weightBytes: sizes.a });
    const weights = path.join(project.dir, 'models/m0/checkpoint_dir/weights.bin');
    if (rep === 0) {
      const hash = await runOk('openssl', ['dgst', '-sha256', weights]);
      record('a', `openssl dgst -sha256 of ${fmtBytes(sizes.a)} (hashing reference)`, fmt(hash.ms));
    }
    // Warm the page cache the same way for every contender, and flush what makeProject wrote: the
    // registry fsyncs each blob, and must not wait for our 400 MB of dirty pages in one run only.
    await runOk('cat', [weights], {});
    await settle();
    // Alternate who goes first, so neither always meets what the other left behind.
    const runCurl = async () => curls.push(await curlUpload(weights, `${project.namespace}/curl-reference`));
    const runNative = async () => {
      first = await native(project);
      natives.push(first.ms);
    };
    for (const contender of rep % 2 === 0 ? [runCurl, runNative] : [runNative, runCurl]) {
      await contender();
      await settle();
    }
  }
  const curl = median(curls);
  const nativeMs = median(natives);
  record('a', `curl -T of the weights file to the registry (median of ${reps}: ${list(curls)})`, fmt(curl));
  record('a', `native build+push, one model, ${fmtBytes(sizes.a)} of weights (median of ${reps}: ${list(natives)})`, `${fmt(nativeMs)} (${(nativeMs / curl).toFixed(2)}x curl)`, '<= 1.2x curl', nativeMs <= 1.2 * curl);
  const fixed = await dryRun(project);
  record('a', '  of which the fixed start-up cost (`uai build --dry-run` of the same project)', `${fmt(fixed)}; the rest, ${fmt(nativeMs - fixed)}, is ${((nativeMs - fixed) / curl).toFixed(2)}x curl`);
  if (process.env.BENCH_SKIP_DOCKER !== '1') {
    const dockerProject = makeProject({ weightBytes: sizes.a });
    const dockerRun = await dockerBuilder(dockerProject);
    record('a', `docker builder build+push, same model`, `${fmt(dockerRun.ms)}; native is ${(nativeMs / dockerRun.ms).toFixed(3)}x`, 'native <= 0.15x docker', nativeMs <= 0.15 * dockerRun.ms);
    await run('docker', ['rmi', '--force', `${registry.host}/${dockerProject.namespace}/bench-m0:v1`]);
    rmSync(dockerProject.dir, { recursive: true, force: true });
  }
  return { project, first, firstMs: nativeMs };
}

async function scenarioB(fromA) {
  const { project, first, firstMs } = fromA ?? { project: makeProject({ weightBytes: sizes.a }) };
  const firstRun = first ?? (await native(project));
  const firstTime = firstMs ?? firstRun.ms;
  let before = firstRun;
  const times = [];
  let added = 0;
  for (let rep = 0; rep < reps; rep++) {
    appendFileSync(path.join(project.dir, 'models/m0/mnist_inference.py'), `# a one-line change (${rep + 1})\n`);
    await settle();
    const after = await native(project);
    added = Math.max(added, await addedBytes(`${project.namespace}/bench-m0`, before.report.models[0].digest, after.report.models[0].digest));
    times.push(after.ms);
    before = after;
  }
  const share = added / sizes.a;
  record('b', 'rebuild after a one-line code change: bytes added to the registry (the most of any rebuild)', `${fmtBytes(added)} (${(share * 100).toFixed(4)}% of the weights)`, '< 1%', share < 0.01);
  const time = median(times);
  const ratio = time / firstTime;
  record('b', `rebuild after a one-line code change: time (median of ${reps}: ${list(times)})`, `${fmt(time)} (${ratio.toFixed(3)}x the first push, ${fmt(firstTime)})`, '<= 0.15x', ratio <= 0.15);
}

async function scenarioC() {
  const project = makeProject({ count: 10, weightBytes: sizes.perModel });
  const first = await native(project);
  const again = [];
  const statuses = new Set();
  for (let rep = 0; rep < reps; rep++) {
    const run = await native(project);
    again.push(run.ms);
    for (const model of run.report.models) statuses.add(model.status);
  }
  const time = median(again);
  record('c', `no-op rebuild of 10 unchanged models (first build ${fmt(first.ms)}; statuses: ${[...statuses].join(',')}; median of ${reps}: ${list(again)})`, fmt(time), '< 1 s', time < 1000);
  const fixed = await dryRun(project);
  record('c', '  of which the fixed start-up cost (`uai build --dry-run`, 10 models)', `${fmt(fixed)}; the builder's part ${fmt(time - fixed)}`);
}

async function scenarioD() {
  const ones = [];
  const eights = [];
  const curlOnes = [];
  const curlEights = [];
  for (let rep = 0; rep < reps; rep++) {
    // Fresh projects (first builds) for each run, and fresh files for curl (a registry stores a blob
    // once: no contender may find another's bytes there), all four interleaved, the order turning.
    const sequential = makeProject({ count: 8, weightBytes: sizes.parallel });
    const parallel = makeProject({ count: 8, weightBytes: sizes.parallel });
    const curlFiles = (name) => {
      const dir = path.join(workDir, `${name}-${rep}`);
      mkdirSync(dir, { recursive: true });
      return Array.from({ length: 8 }, (_, i) => {
        const file = path.join(dir, `weights-${i}.bin`);
        writeWeights(file, sizes.parallel);
        return file;
      });
    };
    const curlSequential = curlFiles('curl-one');
    const curlParallel = curlFiles('curl-eight');
    await settle();
    const contenders = [
      async () => ones.push(await native(sequential, ['--concurrency', '1'])),
      async () => eights.push(await native(parallel, ['--concurrency', '8'])),
      async () => curlOnes.push(await curlUploads(curlSequential, `curl-one-${rep}`, false)),
      async () => curlEights.push(await curlUploads(curlParallel, `curl-eight-${rep}`, true)),
    ];
    for (let i = 0; i < contenders.length; i++) {
      await contenders[(i + rep) % contenders.length]();
      await settle();
    }
    rmSync(sequential.dir, { recursive: true, force: true });
    rmSync(parallel.dir, { recursive: true, force: true });
    for (const file of [...curlSequential, ...curlParallel]) rmSync(file, { force: true });
  }
  const one = median(ones, (run) => run.ms);
  const eight = median(eights, (run) => run.ms);
  const ratio = eight.ms / one.ms;
  record('d', `8 models of ${fmtBytes(sizes.parallel)}: in parallel vs one after another (medians of ${reps}: ${list(eights.map((r) => r.ms))} / ${list(ones.map((r) => r.ms))})`, `${fmt(eight.ms)} vs ${fmt(one.ms)} (${ratio.toFixed(2)}x)`, '<= 0.6x', ratio <= 0.6);
  // The same ratio for the registry's own ingest: 8 blobs of the same size, each a curl process with
  // two requests, no build tool's start-up and no hashing in the time; all 8 at once (uai sends its
  // big blobs a few at a time, see UploadSlots). What the registry and the disk allow on this machine.
  const curlOne = median(curlOnes);
  const curlEight = median(curlEights);
  record('d', `  the floor: 8 blobs of ${fmtBytes(sizes.parallel)} by curl (POST + \`curl -T\`, digests computed beforehand), all at once vs one after another (medians of ${reps}: ${list(curlEights)} / ${list(curlOnes)})`, `${fmt(curlEight)} vs ${fmt(curlOne)} (${(curlEight / curlOne).toFixed(2)}x)`);
  // What bounds it: the CPU both processes need, against the CPU the machine has in that time.
  const cores = os.availableParallelism();
  const busy = (run) => `uai ${run.cpu.toFixed(1)} s + registry ${run.registryCpu.toFixed(1)} s of CPU in ${fmt(run.ms)} (${(((run.cpu + run.registryCpu) * 1000) / (run.ms * cores) * 100).toFixed(0)}% of ${cores} cores)`;
  record('d', '  CPU of those runs: in parallel / one after another', `${busy(eight)} / ${busy(one)}`);
}

async function scenarioE() {
  for (const bytes of [sizes.rssSmall, sizes.rssBig]) {
    const project = makeProject({ weightBytes: bytes });
    const built = await native(project);
    record('e', `peak RSS packing and pushing ${fmtBytes(bytes)} of weights`, `${fmtBytes(built.rss)} (in ${fmt(built.ms)})`, '<= 150 MB', built.rss <= 150 * MB);
    if (bytes === sizes.rssSmall) {
      const idle = await runOk('/usr/bin/env', ['time', '-f', '%M', process.execPath, path.join(repoRoot, 'packages/cli/dist/bin.js'), 'build', '--dry-run'], { cwd: project.dir, env: uaiEnv(project) }).catch(() => undefined);
      const kb = Number(idle?.stderr.trim().split('\n').pop());
      if (kb) record('e', '  baseline: peak RSS of `uai build --dry-run` (no builder)', fmtBytes(kb * 1024));
    }
    rmSync(project.dir, { recursive: true, force: true });
  }
}

/** Median wall time of an empty Node start, with this environment and without NODE_EXTRA_CA_CERTS. */
async function nodeStartCost() {
  const times = async (env) => {
    const all = [];
    for (let i = 0; i < 7; i++) all.push((await runOk(process.execPath, ['-e', ''], { env })).ms);
    return median(all);
  };
  const without = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_EXTRA_CA_CERTS'));
  return { asIs: await times(process.env), without: await times(without) };
}

async function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const engine = await run('docker', ['version', '--format', '{{.Server.Version}} ({{.Server.Os}}, driver: {{.Server.KernelVersion}})']);
  const driver = await run('docker', ['info', '--format', '{{.Driver}}']);
  const disk = await run('df', ['-h', '--output=source,fstype,size', workDir]);
  return [
    `- CPU: ${cpu}, ${os.availableParallelism()} cores; RAM ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()}; Node ${process.version}`,
    `- Docker engine: ${engine.stdout.trim() || 'none'} storage driver ${driver.stdout.trim() || '-'}`,
    `- Registry: Debian docker-registry (distribution 2.8) on 127.0.0.1, filesystem storage, htpasswd auth`,
    `- Disk: ${disk.stdout.trim().split('\n').slice(1).join(' ')}`,
    ...(process.env.NODE_EXTRA_CA_CERTS
      ? [await nodeStartCost().then(({ asIs, without }) => `- NODE_EXTRA_CA_CERTS is set here: an empty \`node -e ''\` takes ${fmt(asIs)} with it, ${fmt(without)} without. uai ran ${process.env.BENCH_KEEP_CA === '1' ? 'with it (BENCH_KEEP_CA=1)' : 'without it (the registry is plain http on loopback; BENCH_KEEP_CA=1 keeps it)'}`)]
      : []),
    `- Load average when the run ended: ${os.loadavg().map((n) => n.toFixed(2)).join(', ')} (other work on the machine skews times)`,
  ].join('\n');
}

async function main() {
  workDir = mkdtempSync(path.join(process.env.BENCH_TMP ?? os.tmpdir(), 'uai-bench-'));
  registry = await startRegistry();
  try {
    log(`registry ${registry.host}; work dir ${workDir}`);
    const standin = await buildStandin({ log });
    await pushStandins({ standin, registry, dockerConfig: mkdtempSync(path.join(workDir, 'dc-')), images: [baseImage] });
    const want = (id) => !only || only.includes(id);
    let a;
    if (want('a')) a = await scenarioA();
    if (want('b')) await scenarioB(a);
    if (want('c')) await scenarioC();
    if (want('d')) await scenarioD();
    if (want('e')) await scenarioE();
    const table = [
      '| | measurement | result | target | |',
      '|---|---|---|---|---|',
      ...results.map((r) => `| ${r.id} | ${r.what} | ${r.value} | ${r.target ?? ''} | ${r.target ? (r.ok ? 'met' : '**missed**') : ''} |`),
    ].join('\n');
    const doc = [
      '# Native builder benchmarks',
      '',
      `Run with \`${small ? 'BENCH_SIZE=small ' : ''}${process.env.BENCH_REPS ? `BENCH_REPS=${reps} ` : ''}npm run bench\` on ${new Date().toISOString().slice(0, 10)}${small ? ' (small sizes: a smoke run, not the targets\' sizes)' : ''}.`,
      '',
      '## Machine',
      await machine(),
      '',
      '## Results',
      table,
      '',
      `How each is measured: the median of ${reps} run${reps === 1 ? '' : 's'} (interleaved, fresh weights and repositories for first builds) of`,
      'the wall time of a whole `uai build` process (start-up, config loading, base image',
      'lookup, packing, upload) with DOCKER_HOST pointing nowhere; curl gets the weights file as one blob',
      'upload (`POST` + `curl -T` `PUT ?digest=`), its digest computed beforehand; bytes added are the blobs of',
      'the new manifest the registry did not hold before, plus the manifest; peak RSS is the process\'s maxRSS.',
      '',
    ].join('\n');
    const file = process.env.BENCH_OUT ?? path.join(repoRoot, 'bench', only ? 'results-partial.md' : small ? 'results-small.md' : 'results.md');
    writeFileSync(file, doc);
    log(`wrote ${path.relative(repoRoot, file)}`);
  } finally {
    await registry.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
