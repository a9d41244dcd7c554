import type { ImageBuilder } from './builders/builder.js';
import { chooseBuilder } from './builders/choose.js';
import { credentialsFromEnv } from './builders/credentials.js';
import { dockerBuilder } from './builders/docker/docker-builder.js';
import type { Builder } from './config/schema.js';
import { pinToLock } from './lock/pin.js';
import { runPipeline, type RendererKind } from './pipeline/pipeline.js';
import type { ModelResult } from './pipeline/result.js';
import { prepareRun, type PreparedRun, type PrepareOptions } from './plan/prepare-run.js';
import type { BuiltinPlugins } from './plugins/registry.js';
import { exitCodeFor, type BuildReport } from './report/report.js';
import { SecretStore } from './secrets/redact.js';

export interface BuildOptions {
  cwd?: string;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  models?: readonly string[];
  /** @default true */
  push?: boolean;
  dryRun?: boolean;
  failFast?: boolean;
  concurrency?: number;
  renderer?: RendererKind;
  signal?: AbortSignal;
  progress?: NodeJS.WriteStream;
  /** Makes the builder (tests); otherwise `builder` picks one. */
  createBuilder?: (run: PreparedRun) => ImageBuilder;
  /** Overrides the config's `builder`. @default the config's, else "auto" */
  builder?: Builder;
  /** `oci:<dir>` or `docker-archive:<file>` (native builder); `{model}` in it is the model's name. */
  output?: string;
  /** Rebuild and push even models the registry holds from the same inputs. */
  force?: boolean;
  /** Told which builder was chosen and why. */
  onBuilder?: (reason: string) => void;
  fallbackFrom?: string;
  /** A config made in memory instead of a file (see PrepareOptions.inline). */
  inline?: PrepareOptions['inline'];
  /** The packages of the built-in frameworks (the CLI's table). */
  builtin?: BuiltinPlugins;
  /** More values to mask in all output (API keys given to `uai packdocker`). */
  secrets?: readonly string[];
  onPrepared?: (run: PreparedRun) => void;
  onResult?: (result: ModelResult) => void;
}

async function pickBuilder(options: BuildOptions, run: PreparedRun, env: NodeJS.ProcessEnv): Promise<ImageBuilder> {
  if (options.createBuilder) return options.createBuilder(run);
  // A dry run builds nothing: no engine check, no registry.
  if (options.dryRun) return dockerBuilder({ env });
  const chosen = await chooseBuilder(options.builder ?? run.config.builder, {
    env,
    root: run.root,
    push: options.push ?? true,
    output: options.output,
    force: options.force,
  });
  options.onBuilder?.(chosen.reason);
  return chosen.builder;
}

/** `uai build` as a function: prepare (exit 2 on bad config), then the pipeline. */
export async function build(options: BuildOptions = {}): Promise<BuildReport & { run: PreparedRun }> {
  const env = options.env ?? process.env;
  const prepared = await prepareRun({
    cwd: options.cwd,
    configFile: options.configFile,
    env,
    models: options.models,
    fallbackFrom: options.fallbackFrom,
    inline: options.inline,
    builtin: options.builtin,
  });
  const run = await pinToLock(prepared);
  options.onPrepared?.(run);
  const secrets = SecretStore.of(env, options.secrets);
  const credentials = options.dryRun
    ? []
    : credentialsFromEnv(
        env,
        run.plans.map((plan) => plan.registryHost),
      );
  const builder = await pickBuilder(options, run, env);
  try {
    const models = await runPipeline({
      root: run.root,
      plans: run.plans,
      builder,
      credentials,
      push: options.push ?? true,
      dryRun: options.dryRun ?? false,
      failFast: options.failFast ?? false,
      concurrency: options.concurrency ?? run.config.concurrency,
      renderer: options.renderer ?? 'plain',
      secrets,
      signal: options.signal,
      progress: options.progress,
      onResult: options.onResult,
    });
    return { models, exitCode: exitCodeFor(models), run };
  } finally {
    await builder.dispose();
  }
}
