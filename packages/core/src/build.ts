import type { ImageBuilder } from './builders/builder.js';
import { chooseBuilder } from './builders/choose.js';
import { credentialsFromEnv } from './builders/credentials.js';
import { dockerBuilder } from './builders/docker/docker-builder.js';
import { checkOutputFolders } from './builders/native/publish-layout.js';
import type { Builder } from './config/schema.js';
import { pinToLock } from './lock/pin.js';
import { runPipeline, type RendererKind } from './pipeline/pipeline.js';
import type { ModelResult } from './pipeline/result.js';
import { recordLastBuild, type BuiltImage } from './plan/last-build.js';
import { withRunLock } from './plan/run-lock.js';
import { dockerTester } from './smoke/tester.js';
import { errorInfo } from './errors/uai-error.js';
import { prepareRun, type PreparedRun, type PrepareOptions } from './plan/prepare-run.js';
import { assignShards, type Shard } from './plan/shard.js';
import { packedBytes } from './assemble/packed-bytes.js';
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
  /** Push by digest only; no tag is created or moved (status `staged`; `uai publish` moves them later). */
  noTag?: boolean;
  /** Stage every model, then move all their tags only if every model succeeded. */
  atomic?: boolean;
  /** Run each model's smoke test (`test:`) after it is built, before its tag moves. */
  test?: boolean;
  /** Only this shard of the selected models (`--shard K/N`), split by the bytes each packs. */
  shard?: Shard;
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
    staged: options.atomic ? '--atomic' : options.noTag ? '--no-tag' : undefined,
  });
  options.onBuilder?.(chosen.reason);
  return chosen.builder;
}

/** Moves the tags of a release staged by `--atomic`, if every model succeeded; else leaves them all. */
async function publishRelease(
  models: ModelResult[],
  builder: ImageBuilder,
  signal: AbortSignal | undefined,
  mask: (text: string) => string,
): Promise<ModelResult[]> {
  if (models.some((model) => model.status !== 'staged' && model.status !== 'skipped')) return models;
  const moves = models.filter((model) => model.status === 'staged').map((model) => ({ name: model.name, image: model.image, digest: model.digest! }));
  try {
    await builder.publish!(moves, { signal: signal ?? new AbortController().signal, log: () => {} });
    return models.map((model) => (model.status === 'staged' ? { ...model, status: 'pushed' } : model));
  } catch (error) {
    // The release failed as a unit: every staged model says so, and stays staged (no tag moved).
    const info = errorInfo(error, 'publish');
    return models.map((model) => (model.status === 'staged' ? { ...model, error: { ...info, message: mask(info.message) } } : model));
  }
}

/** What the build left of each model, for `uai test` (`.uai/last-build.json`). */
function builtImages(models: readonly ModelResult[], builder: ImageBuilder): Record<string, BuiltImage> {
  const kept = models.filter((model) => ['pushed', 'skipped', 'staged', 'built'].includes(model.status));
  return Object.fromEntries(kept.map((model) => [model.name, { image: model.image, digest: model.digest, status: model.status, builder: builder.name }]));
}

/** The run's models of one shard: every machine computes the same split from the same files. */
async function inShard(run: PreparedRun, shard: Shard | undefined): Promise<PreparedRun> {
  if (!shard) return run;
  const sizes = await Promise.all(run.plans.map(async (plan) => ({ name: plan.name, bytes: await packedBytes(plan, run.root) })));
  const shards = assignShards(sizes, shard.total);
  return { ...run, plans: run.plans.filter((plan) => shards.get(plan.name) === shard.index) };
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
  const run = await inShard(await pinToLock(prepared), options.shard);
  checkOutputFolders(
    options.output,
    run.root,
    run.plans.map((plan) => plan.name),
  );
  options.onPrepared?.(run);
  // One run at a time in a project (they share .uai/): a second one says it waits, and waits.
  const say = (line: string) => (options.progress ?? process.stderr).write(`${line}\n`);
  return withRunLock(run.root, { signal: options.signal, say }, () => buildLocked(options, run, env));
}

/** `build()` once it holds the project's run lock: choose the builder, run the pipeline, record the images. */
async function buildLocked(options: BuildOptions, run: PreparedRun, env: NodeJS.ProcessEnv): Promise<BuildReport & { run: PreparedRun }> {
  const secrets = SecretStore.of(env, options.secrets);
  const credentials = options.dryRun
    ? []
    : credentialsFromEnv(
        env,
        run.plans.map((plan) => plan.registryHost),
      );
  const builder = await pickBuilder(options, run, env);
  const tester = options.test && !options.dryRun ? dockerTester(env, credentials) : undefined;
  // A release's success lines wait until its tags have moved (or not).
  const atomic = options.atomic === true && !options.dryRun;
  try {
    let models = await runPipeline({
      root: run.root,
      plans: run.plans,
      builder,
      credentials,
      push: options.push ?? true,
      dryRun: options.dryRun ?? false,
      failFast: options.failFast ?? false,
      concurrency: options.concurrency ?? run.config.concurrency ?? builder.concurrency,
      renderer: options.renderer ?? 'plain',
      secrets,
      signal: options.signal,
      progress: options.progress,
      onResult: atomic ? undefined : options.onResult,
      release: {
        noTag: options.noTag === true || atomic,
        tester,
        tag: (plan, digest, ctx) => builder.publish!([{ name: plan.name, image: plan.imageRef, digest }], ctx),
      },
    });
    if (atomic) {
      models = await publishRelease(models, builder, options.signal, (text) => secrets.mask(text));
      for (const model of models) options.onResult?.(model);
    }
    if (!options.dryRun) await recordLastBuild(run.root, builtImages(models, builder)).catch(() => {});
    const unpublished = atomic && models.some((model) => model.status === 'staged');
    return {
      models,
      exitCode: exitCodeFor(models) || (unpublished ? 1 : 0),
      run,
      ...(options.shard ? { shard: `${options.shard.index}/${options.shard.total}` } : {}),
    };
  } finally {
    await Promise.all([builder.dispose(), tester?.dispose()]);
  }
}
