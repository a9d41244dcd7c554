import { parseReference } from '@uai/oci';
import { credentialsFromEnv } from './builders/credentials.js';
import { moveTags } from './builders/native/move-tags.js';
import { NativeSession } from './builders/native/session.js';
import { loadConfigFile } from './config/load.js';
import { UaiError } from './errors/uai-error.js';
import type { ModelResult } from './pipeline/result.js';
import { prepareRun, type PrepareOptions } from './plan/prepare-run.js';
import { publishProblems, readReports } from './report/read-reports.js';

export interface PublishOptions extends Pick<PrepareOptions, 'cwd' | 'configFile' | 'models' | 'fallbackFrom' | 'builtin'> {
  /** The `uai build --json` reports, by the name they are known by (a file, or standard input). */
  reports: readonly { file: string; text: string }[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The models a config in `cwd` (or `--config`) selects, to hold the reports to; undefined without a config. */
async function selectedModels(options: PublishOptions, env: NodeJS.ProcessEnv): Promise<{ names: string[]; root: string } | undefined> {
  const cwd = options.cwd ?? process.cwd();
  // Loaded once here (a config function runs once), then handed to prepareRun; `--config` it loads itself.
  const inline = options.configFile ? undefined : await loadConfigFile({ cwd, env: { command: 'publish', mode: 'production' } });
  if (inline === null) return undefined;
  const run = await prepareRun({ ...options, env, command: 'publish', inline });
  return { names: run.plans.map((plan) => plan.name), root: run.root };
}

/**
 * `uai publish`: reads staged build reports and moves every model's tag to its reported digest, all or
 * nothing. Checks first, moving nothing if any fails: every model staged (or skipped as unchanged), each
 * selected model of the config reported exactly once, each digest still in the registry. Throws
 * UAI_PUBLISH_FAILED naming the models; on success every model is `pushed`.
 */
export async function publishReports(options: PublishOptions): Promise<ModelResult[]> {
  const env = options.env ?? process.env;
  const start = Date.now();
  const { models, problems } = readReports(options.reports);
  const selected = await selectedModels(options, env);
  problems.push(...publishProblems(models, selected?.names));
  if (problems.length > 0) {
    throw new UaiError('UAI_PUBLISH_FAILED', `Nothing was published:\n${problems.map((line) => `  ${line}`).join('\n')}`, { step: 'publish' });
  }
  const session = new NativeSession({ env, root: selected?.root ?? options.cwd ?? process.cwd(), push: false });
  const signal = options.signal ?? new AbortController().signal;
  try {
    const hosts = models.map((model) => parseReference(model.image).host);
    await session.login(credentialsFromEnv(env, hosts), signal);
    const moves = models.map((model) => ({ name: model.name, image: model.image, digest: model.digest! }));
    await moveTags(moves, session, signal, options.log);
  } finally {
    await session.dispose();
  }
  return models.map((model) => ({ name: model.name, image: model.image, status: 'pushed', digest: model.digest!, durationMs: Date.now() - start }));
}
