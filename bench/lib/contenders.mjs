// The contenders that run `uai` itself: the native builder, a dry run, and the Docker builder, each as a
// whole `uai build` process through the real CLI.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { bench, log, options, repoRoot } from './context.mjs';
import { cpuSecondsOf, run, runOk } from './process.mjs';

/** The built CLI. */
export const uaiBin = path.join(repoRoot, 'packages/cli/dist/bin.js');

/**
 * Node 20 reads the file NODE_EXTRA_CA_CERTS names at every start, before any of uai runs; some
 * sandboxes set it for their proxy. The registry here is plain http on loopback, so uai runs without
 * it unless BENCH_KEEP_CA=1, and the machine section says what it costs.
 */
const dropped = options.keepCa ? /^(UHUB_|UAI_|DOCKER_CONFIG$)/ : /^(UHUB_|UAI_|DOCKER_CONFIG$|NODE_EXTRA_CA_CERTS$)/;

/** The environment `uai` runs in: its own HOME and Docker config next to the project, the bench's registry and password. */
export function uaiEnv(project, extra = {}) {
  const home = path.join(project.dir, '..', `home-${path.basename(project.dir)}`);
  mkdirSync(path.join(home, '.docker'), { recursive: true });
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !dropped.test(key))),
    HOME: home,
    DOCKER_CONFIG: path.join(home, '.docker'),
    UAI_REGISTRY_HOST: bench.registry.host,
    UHUB_USERNAME: bench.registry.username,
    UHUB_PASSWORD: bench.registry.password,
    CI: 'true',
    ...extra,
  };
}

/**
 * `uai build --builder native --json` through the real CLI, with no Docker engine reachable; peak RSS and CPU
 * from GNU time. `extraEnv` over uai's environment (UAI_REGISTRY_HOST of a far registry).
 */
export async function native(project, args = [], extraEnv = {}) {
  const env = uaiEnv(project, { DOCKER_HOST: 'unix:///nonexistent/bench.sock', ...extraEnv });
  const cli = [process.execPath, uaiBin, 'build', '--builder', 'native', '--json', ...args];
  const registryCpuBefore = cpuSecondsOf(bench.registry.pid);
  const result = await runOk('/usr/bin/time', ['-f', 'maxRssKB=%M cpu=%U+%S', ...cli], { cwd: project.dir, env });
  const registryCpu = cpuSecondsOf(bench.registry.pid) - registryCpuBefore;
  const report = JSON.parse(result.stdout);
  const failed = report.models.filter((m) => m.status === 'failed');
  if (failed.length) throw new Error(`native build failed: ${JSON.stringify(failed)}`);
  const rss = Number(/maxRssKB=(\d+)/.exec(result.stderr)?.[1] ?? 0) * 1024;
  const cpu = /cpu=([\d.]+)\+([\d.]+)/.exec(result.stderr);
  return { ms: result.ms, report, rss, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0, registryCpu };
}

/** `uai build --dry-run`: start-up, config loading, checks and rendering, no builder. The fixed cost of any run. */
export async function dryRun(project) {
  const result = await runOk(process.execPath, [uaiBin, 'build', '--dry-run'], { cwd: project.dir, env: uaiEnv(project) });
  return result.ms;
}

/** `uai build --dry-run` with its peak RSS (GNU time), for a batch of many models. */
export async function dryRunRss(project) {
  const result = await runOk('/usr/bin/time', ['-f', 'maxRssKB=%M', process.execPath, uaiBin, 'build', '--dry-run'], {
    cwd: project.dir,
    env: uaiEnv(project),
  });
  return { ms: result.ms, rss: Number(/maxRssKB=(\d+)/.exec(result.stderr)?.[1] ?? 0) * 1024 };
}

/** The Docker builder through the real CLI. */
export async function dockerBuilder(project) {
  let result = await run(process.execPath, [uaiBin, 'build', '--json'], { cwd: project.dir, env: uaiEnv(project) });
  if (result.code !== 0 && /unknown parent image ID|No such image/.test(result.stdout)) {
    // The engine is shared: another run may have removed a cached parent meanwhile. Once more.
    log('docker build lost a cached parent image to another run on the engine; running it again');
    result = await run(process.execPath, [uaiBin, 'build', '--json'], { cwd: project.dir, env: uaiEnv(project) });
  }
  if (result.code !== 0) throw new Error(`docker builder failed:\n${result.stdout}\n${result.stderr}`);
  return { ms: result.ms, report: JSON.parse(result.stdout) };
}
