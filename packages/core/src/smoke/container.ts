import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { UaiError } from '../errors/uai-error.js';
import type { StepContext } from '../builders/builder.js';
import { type DockerCli, outputOf } from '../builders/docker/docker-cli.js';
import { tailOf } from '../builders/docker/output.js';
import { servicePort } from '../plan/platform.js';
import { withoutSecrets } from '../secrets/secret-env.js';

/** A model's image running in the local engine, as the platform runs it. */
export interface RunningService {
  /** `http://127.0.0.1:<port>`: where its service answers. */
  url: string;
  name: string;
  /** Whether the container still runs (a crashed server is reported at once, not after the timeout). */
  running(): Promise<boolean>;
  /** Its last lines of output, for a failure. */
  logs(): Promise<string>;
  /** Stops and removes it. Safe to call twice. */
  stop(): Promise<void>;
}

/** Containers started and not yet removed: removed if `uai` exits before (a second Ctrl-C). */
const started = new Set<string>();
let exitHookInstalled = false;

function removeOnExit(name: string): void {
  started.add(name);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const container of started) spawnSync('docker', ['rm', '--force', container], { stdio: 'ignore', env: withoutSecrets(process.env) });
  });
}

/**
 * How containers reach the host here: a published port on 127.0.0.1 when the engine has a bridge
 * network (several models at once), else the host network (the engine runs with `--bridge=none`, as
 * on our machines), where every model listens on 8080 and they run one after another.
 */
export async function networkMode(cli: DockerCli, ctx: StepContext): Promise<'bridge' | 'host'> {
  const result = await cli.run(['network', 'ls', '--filter', 'name=^bridge$', '--format', '{{.Name}}'], ctx, 'test');
  return result.exitCode === 0 && result.stdout.trim() === 'bridge' ? 'bridge' : 'host';
}

/** Starts `image` detached, named after the model, and finds where its port 8080 answers. */
export async function startService(cli: DockerCli, image: string, model: string, mode: 'bridge' | 'host', ctx: StepContext): Promise<RunningService> {
  const name = `uai-test-${model}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const network = mode === 'host' ? ['--network', 'host'] : ['--publish', `127.0.0.1::${servicePort}`];
  const quiet = { ...ctx, log: () => {} };
  removeOnExit(name);
  const run = await cli.run(['run', '--detach', '--name', name, ...network, image], quiet, 'test');
  const stop = async () => {
    if (!started.has(name)) return;
    await cli.run(['rm', '--force', name], { signal: new AbortController().signal, log: () => {} }, 'test');
    started.delete(name);
  };
  if (run.exitCode !== 0) {
    await stop();
    throw new UaiError('UAI_TEST_FAILED', `docker run ${image} failed:\n${tailOf(outputOf(run))}`, { model, step: 'test' });
  }
  let url = `http://127.0.0.1:${servicePort}`;
  if (mode === 'bridge') {
    const port = await cli.run(['port', name, `${servicePort}/tcp`], quiet, 'test');
    const address = port.stdout.trim().split('\n')[0];
    if (port.exitCode !== 0 || !address) {
      await stop();
      throw new UaiError('UAI_TEST_FAILED', `docker port ${name} gave no address for ${servicePort}:\n${tailOf(outputOf(port))}`, { model, step: 'test' });
    }
    url = `http://${address.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
  }
  return {
    url,
    name,
    running: async () => (await cli.run(['inspect', '--format', '{{.State.Running}}', name], quiet, 'test')).stdout.trim() === 'true',
    logs: async () => tailOf(outputOf(await cli.run(['logs', '--tail', '20', name], quiet, 'test')), 20),
    stop,
  };
}
