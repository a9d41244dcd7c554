// What the bench reports: formatting of times and sizes, the results recorded so far, medians, and the
// machine section of the results file.
import os from 'node:os';
import { bench, log, MB, options } from './context.mjs';
import { run, runOk } from './process.mjs';

export const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
export const fmtBytes = (n) => (n >= MB ? `${(n / MB).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`);

/** Every measurement so far, in order: the rows of the results table. */
export const results = [];

/** Records a measurement (and logs it); `target` and `ok` for those that have a target. */
export function record(id, what, value, target, ok) {
  results.push({ id, what, value, target, ok });
  log(`${id} ${what}: ${value}${target ? ` (target ${target}: ${ok ? 'met' : 'MISSED'})` : ''}`);
}

/** The median of some values, by `key` (the value itself for numbers; the lower middle of an even count). */
export const median = (values, key = (value) => value) => [...values].sort((x, y) => key(x) - key(y))[Math.floor((values.length - 1) / 2)];
export const list = (values) => values.map(fmt).join(', ');

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

/** The machine section of the results: CPU, OS, engine, registry, disk, Node's start-up cost, load. */
export async function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const engine = await run('docker', ['version', '--format', '{{.Server.Version}} ({{.Server.Os}}, driver: {{.Server.KernelVersion}})']);
  const driver = await run('docker', ['info', '--format', '{{.Driver}}']);
  const disk = await run('df', ['-h', '--output=source,fstype,size', bench.workDir]);
  return [
    `- CPU: ${cpu}, ${os.availableParallelism()} cores; RAM ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()}; Node ${process.version}`,
    `- Docker engine: ${engine.stdout.trim() || 'none'} storage driver ${driver.stdout.trim() || '-'}`,
    `- Registry: Debian docker-registry (distribution 2.8) on 127.0.0.1, filesystem storage, htpasswd auth`,
    `- Disk: ${disk.stdout.trim().split('\n').slice(1).join(' ')}`,
    ...(process.env.NODE_EXTRA_CA_CERTS
      ? [
          await nodeStartCost().then(
            ({ asIs, without }) =>
              `- NODE_EXTRA_CA_CERTS is set here: an empty \`node -e ''\` takes ${fmt(asIs)} with it, ${fmt(without)} without. uai ran ${options.keepCa ? 'with it (BENCH_KEEP_CA=1)' : 'without it (the registry is plain http on loopback; BENCH_KEEP_CA=1 keeps it)'}`,
          ),
        ]
      : []),
    `- Load average when the run ended: ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(', ')} (other work on the machine skews times)`,
  ].join('\n');
}
