import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import type { ImageBuilder, LayerProgress, RegistryCredentials, StepContext } from '../builders/builder.js';
import { errorInfo, isUaiError, UaiError } from '../errors/uai-error.js';
import { modelSteps, templatesOfRun } from './model-steps.js';
import type { ModelPlan } from '../plan/plan.js';
import type { RenderedFile } from '../render/render.js';
import { ProgressTracker, shortDigest } from './progress.js';
import { releaseModel, type Released, type ReleaseOptions } from './release.js';
import { notStartedStep, type ModelResult } from './result.js';
import type { SecretStore } from '../secrets/redact.js';

export type RendererKind = 'live' | 'plain' | 'silent';

export interface PipelineOptions {
  root: string;
  plans: readonly ModelPlan[];
  builder: ImageBuilder;
  credentials: readonly RegistryCredentials[];
  push: boolean;
  dryRun: boolean;
  failFast: boolean;
  concurrency?: number;
  renderer: RendererKind;
  secrets: SecretStore;
  /** Stops everything (Ctrl-C). */
  signal?: AbortSignal;
  /** Where progress goes. @default process.stderr */
  progress?: NodeJS.WriteStream;
  /** Called once per model as it finishes. */
  onResult?: (result: ModelResult) => void;
  /** Testing, staging and tagging (see ReleaseOptions). @default push and tag as the builder does */
  release?: ReleaseOptions;
}

/** What a model's task sees of listr's task wrapper. */
interface TaskView {
  title: string;
  output: string;
  skip(message?: string): void;
}

/** What every model's run shares: the options, the stop switch and where results go. */
interface RunContext {
  options: PipelineOptions;
  /** Aborted with the reason (a string) on Ctrl-C, or at the first failure with --fail-fast. */
  stop: AbortController;
  mask: (text: string) => string;
  finish: (result: ModelResult) => void;
  /**
   * The builder's `prepare` (engine check, logins, base images), started with the models: it waits on
   * the network while they check, render and assemble. Resolves with the error every model inherits.
   */
  prepared: Promise<ModelResult['error'] | undefined>;
  templates: ReturnType<typeof templatesOfRun>;
}

function listrRenderer(kind: RendererKind) {
  return kind === 'live' ? 'default' : kind === 'plain' ? 'simple' : 'silent';
}

/** Why the run stopped, for the models it stopped. */
function stopReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'interrupted';
}

/** A model the run stopped: where it was (or that it never began) and why. */
function cancelledResult(plan: ModelPlan, step: string, signal: AbortSignal, durationMs: number): ModelResult {
  const why = stopReason(signal);
  const message = step === notStartedStep ? `not started: ${why}` : `stopped: ${why}`;
  return { name: plan.name, image: plan.imageRef, status: 'cancelled', durationMs, error: { step, code: 'UAI_CANCELLED', message } };
}

/**
 * What a model's task shows. Live (a terminal): one line per model, its title, updated in place with
 * what the model is doing, a big layer's progress included. Plain: a line when the model starts and one
 * when it ends (its last title), the builder's lines between, and a line per 10% or 5 s of a big layer.
 */
function modelView(plan: ModelPlan, task: TaskView, run: RunContext) {
  const live = run.options.renderer === 'live';
  const tracker = new ProgressTracker();
  let shownAt = 0;
  const title = (text: string) => (task.title = `${plan.name}: ${text}`);
  return {
    title,
    /** The step a model is in: on a person's screen only (plain output prints a title only when the task ends). */
    step: (text: string) => {
      if (live) title(text);
    },
    say: (line: string) => {
      if (live) title(run.mask(line));
      // Plain: lines of models in parallel interleave, so each names its model.
      else task.output = run.mask(`${plan.name}: ${line}`);
    },
    progress: (event: LayerProgress) => {
      const shown = tracker.update(event);
      if (!shown) return;
      // A title set redraws the list: a few times a second is enough for a person, and costs the upload nothing.
      if (live && (Date.now() - shownAt >= 100 || event.done >= event.total)) {
        shownAt = Date.now();
        title(shown.text);
      } else if (!live && shown.lineDue) task.output = `${plan.name}: ${shown.text}`;
    },
    /** A digest as the model's last line shows it: short on a person's screen, whole in plain output. */
    digest: (digest: string) => (live ? shortDigest(digest) : digest),
  };
}

/** check -> render -> (walk -> assemble -> up to date? -> build -> push) for one model; records its result. */
async function runModel(plan: ModelPlan, task: TaskView, run: RunContext): Promise<void> {
  const { options, stop, mask } = run;
  const start = Date.now();
  const record = (result: Omit<ModelResult, 'name' | 'image' | 'durationMs'>) =>
    run.finish({ name: plan.name, image: plan.imageRef, durationMs: Date.now() - start, ...result });
  let step = notStartedStep;
  // Between steps: once the run is stopped, a model goes no further than the step it is in.
  const view = modelView(plan, task, run);
  const enter = (next: string, title: string) => {
    if (stop.signal.aborted) throw new UaiError('UAI_CANCELLED', 'Stopped.');
    step = next;
    view.step(title);
  };
  const ctx: StepContext = { signal: stop.signal, log: view.say, progress: view.progress };
  const released = (done: Released) => {
    record(done);
    const said = { pushed: 'pushed', skipped: 'unchanged, skipped', staged: 'staged (the tag did not move)' }[done.status];
    view.title(`${said} ${plan.imageRef}${done.digest ? `@${view.digest(done.digest)}` : ''}`);
  };

  try {
    enter('check', 'checking files');
    await modelSteps.check(plan, options.root);
    enter('render', 'rendering');
    const files: RenderedFile[] = await modelSteps.render(plan, run.templates);
    if (options.dryRun) {
      await modelSteps.walk(plan, options.root);
      await modelSteps.writeRendered(plan, files);
      record({ status: 'planned' });
      view.title(`planned ${plan.imageRef} FROM ${plan.baseImage}`);
      return;
    }
    enter('assemble', 'assembling the build folder');
    const tree = await modelSteps.walk(plan, options.root);
    const stamp = modelSteps.stamp(plan, files, tree);
    await modelSteps.assemble(plan, options.root, files, tree, stamp);
    // Unchanged since its last push, the registry says (asked once logged in): nothing packed or sent.
    const upToDate = options.push && options.builder.upToDate ? options.builder.upToDate(plan, stamp, ctx) : undefined;
    upToDate?.catch(() => {}); // awaited below, unless the login failed
    const unprepared = await run.prepared;
    if (unprepared && !stop.signal.aborted) {
      // Said once for all models by prepareBuilder; each model records it as its own result.
      record({ status: 'failed', error: unprepared });
      task.skip(`${plan.name}: not built: ${unprepared.step} failed`);
      return;
    }
    const same = await upToDate;
    if (same) return released({ status: 'skipped', digest: same.digest });
    enter('build', `building ${plan.imageRef}`);
    const built = await modelSteps.build(options.builder, plan, ctx);
    if (!options.push) {
      record({ status: 'built' });
      view.title(`built image ${plan.imageRef}`);
      return;
    }
    const release = options.release ?? { noTag: false, tag: async () => {} };
    released(await releaseModel(plan, options.builder, ctx, release, enter, built?.skipped === true));
  } catch (error) {
    // A step that ends because the run was stopped is cancelled, not failed.
    if (stop.signal.aborted && isUaiError(error) && error.code === 'UAI_CANCELLED') {
      const result = cancelledResult(plan, step, stop.signal, Date.now() - start);
      run.finish(result);
      task.skip(`${plan.name}: ${result.error!.message}`);
      return;
    }
    const info = errorInfo(error, step);
    record({ status: 'failed', error: { ...info, message: mask(info.message) } });
    if (options.failFast) stop.abort(`${plan.name} failed (--fail-fast)`);
    throw new Error(mask(`${plan.name} failed at ${info.step}: ${info.message.split('\n')[0]}`));
  }
}

/**
 * Runs every model through its steps (see runModel), concurrently up to `concurrency`.
 * A model's failure is recorded and the others go on, unless `failFast`.
 */
export async function runPipeline(options: PipelineOptions): Promise<ModelResult[]> {
  const results = new Map<string, ModelResult>();
  const stop = new AbortController();
  // Every request of every model listens to this one signal: 8 models with 6 blobs each in flight are
  // 48 listeners, not a leak; Node's warning at 11 would only alarm the user.
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort('interrupted');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const run: RunContext = {
    options,
    stop,
    mask: (text) => options.secrets.mask(text),
    finish: (result) => {
      results.set(result.name, result);
      options.onResult?.(result);
    },
    prepared: Promise.resolve(undefined),
    templates: templatesOfRun(options.root),
  };
  // Every model has a result, in the config's order; one the run never reached was not started.
  const ordered = () => options.plans.map((plan) => results.get(plan.name) ?? cancelledResult(plan, notStartedStep, stop.signal, 0));

  try {
    run.prepared = prepareBuilder(run);
    await listrFor(
      options,
      options.plans.map((plan) => ({ title: plan.name, task: (_ctx, task) => runModel(plan, task, run) })),
    ).run();
    await run.prepared;
    return ordered();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function listrFor(options: PipelineOptions, tasks: ListrTask[]): Listr {
  const logger = new ListrLogger({ processOutput: new ProcessOutput(options.progress ?? process.stderr, options.progress ?? process.stderr) });
  return new Listr(tasks, {
    concurrent: options.concurrency ?? os.availableParallelism(),
    exitOnError: false,
    registerSignalListeners: false,
    renderer: listrRenderer(options.renderer),
    fallbackRenderer: 'simple',
    // Live: each model one line, cut to the terminal's width (a wrapped line would be drawn again, not
    // replaced); its error takes its place. Plain: the builder's lines under each title, as they come.
    rendererOptions:
      options.renderer === 'live' ? { logger, formatOutput: 'truncate', collapseErrors: true, outputBar: 0 } : { logger, collapseErrors: false, outputBar: 1 },
    fallbackRendererOptions: { logger },
  } as never);
}

/**
 * Checks the engine and logs in once per registry, while the models check and render; none builds
 * before it is done. Returns the error every model inherits, if any, after saying it once on the
 * progress stream (it is the same for all). Never rejects.
 */
async function prepareBuilder(run: RunContext): Promise<ModelResult['error'] | undefined> {
  const { options, stop, mask } = run;
  if (options.dryRun) return undefined;
  try {
    await options.builder.prepare(options.credentials, { signal: stop.signal, log: () => {} }, options.plans);
    return undefined;
  } catch (error) {
    const info = errorInfo(error, 'login');
    const failure = { ...info, message: mask(info.message) };
    if (!stop.signal.aborted) (options.progress ?? process.stderr).write(`✖ ${failure.step}: ${failure.message}\n`);
    return failure;
  }
}
