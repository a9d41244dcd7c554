import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';
import os from 'node:os';
import type { ImageBuilder, RegistryCredentials } from './builder.js';
import { UaiError } from './errors.js';
import { modelSteps } from './model-steps.js';
import type { ModelPlan } from './plan.js';
import type { RenderedFile } from './render.js';
import { errorInfo, exitCodeFor, type ModelResult } from './report.js';
import type { SecretStore } from './redact.js';

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
}

function listrRenderer(kind: RendererKind) {
  return kind === 'live' ? 'default' : kind === 'plain' ? 'simple' : 'silent';
}

/**
 * Runs every model through check -> render -> build -> push, concurrently up to `concurrency`.
 * A model's failure is recorded and the others go on, unless `failFast`.
 */
export async function runPipeline(options: PipelineOptions): Promise<ModelResult[]> {
  const results = new Map<string, ModelResult>();
  const stopAll = new AbortController();
  const onAbort = () => stopAll.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const mask = (text: string) => options.secrets.mask(text);
  const started = Date.now();

  const finish = (result: ModelResult) => {
    results.set(result.name, result);
    options.onResult?.(result);
  };

  const prepared = await prepareBuilder(options, mask, stopAll.signal);
  if (prepared) {
    for (const plan of options.plans) {
      finish({ name: plan.name, image: plan.imageRef, status: 'failed', durationMs: Date.now() - started, error: prepared });
    }
    return options.plans.map((plan) => results.get(plan.name)!);
  }

  const tasks: ListrTask[] = options.plans.map((plan) => ({
    title: plan.name,
    task: async (_ctx, task) => {
      const start = Date.now();
      let step = 'check';
      const cancelled = () =>
        finish({ name: plan.name, image: plan.imageRef, status: 'cancelled', durationMs: Date.now() - start, error: { step, code: 'UAI_CANCELLED', message: 'cancelled' } });
      if (stopAll.signal.aborted) {
        cancelled();
        task.skip(`${plan.name}: cancelled`);
        return;
      }
      const stepCtx = {
        signal: stopAll.signal,
        log: (line: string) => {
          task.output = mask(line);
        },
      };
      try {
        task.title = `${plan.name}: checking files`;
        await modelSteps.check(plan, options.root);
        step = 'render';
        task.title = `${plan.name}: rendering`;
        const files: RenderedFile[] = await modelSteps.render(plan, options.root);
        if (options.dryRun) {
          await modelSteps.writeRendered(plan, files);
          finish({ name: plan.name, image: plan.imageRef, status: 'planned', durationMs: Date.now() - start });
          task.title = `${plan.name}: planned ${plan.imageRef} FROM ${plan.baseImage}`;
          return;
        }
        step = 'assemble';
        await modelSteps.assemble(plan, options.root, files);
        step = 'build';
        task.title = `${plan.name}: building ${plan.imageRef}`;
        await modelSteps.build(options.builder, plan, stepCtx);
        if (!options.push) {
          finish({ name: plan.name, image: plan.imageRef, status: 'built', durationMs: Date.now() - start });
          task.title = `${plan.name}: built image ${plan.imageRef}`;
          return;
        }
        step = 'push';
        task.title = `${plan.name}: pushing ${plan.imageRef}`;
        const pushed = await modelSteps.push(options.builder, plan, stepCtx);
        finish({ name: plan.name, image: plan.imageRef, status: 'pushed', digest: pushed.digest, durationMs: Date.now() - start });
        task.title = `${plan.name}: pushed ${plan.imageRef}${pushed.digest ? `@${pushed.digest}` : ''}`;
      } catch (error) {
        if (stopAll.signal.aborted && (error as UaiError)?.code === 'UAI_CANCELLED') {
          cancelled();
          task.skip(`${plan.name}: cancelled`);
          return;
        }
        const info = errorInfo(error, step);
        finish({ name: plan.name, image: plan.imageRef, status: 'failed', durationMs: Date.now() - start, error: { ...info, message: mask(info.message) } });
        if (options.failFast) stopAll.abort();
        throw new Error(mask(`${plan.name} failed at ${info.step}: ${info.message.split('\n')[0]}`));
      }
    },
  }));

  const logger = new ListrLogger({ processOutput: new ProcessOutput(options.progress ?? process.stderr, options.progress ?? process.stderr) });
  const listr = new Listr(tasks, {
    concurrent: options.concurrency ?? os.availableParallelism(),
    exitOnError: false,
    registerSignalListeners: false,
    renderer: listrRenderer(options.renderer),
    fallbackRenderer: 'simple',
    rendererOptions: { logger, collapseErrors: false, outputBar: 1 },
    fallbackRendererOptions: { logger },
  } as never);

  try {
    await listr.run();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return options.plans.map(
    (plan) =>
      results.get(plan.name) ?? {
        name: plan.name,
        image: plan.imageRef,
        status: 'cancelled',
        durationMs: 0,
        error: { step: 'check', code: 'UAI_CANCELLED', message: 'not started' },
      },
  );
}

/** Logs in once per registry before the parallel phase. Returns the error every model inherits, if any. */
async function prepareBuilder(
  options: PipelineOptions,
  mask: (text: string) => string,
  signal: AbortSignal,
): Promise<ModelResult['error'] | undefined> {
  if (options.dryRun) return undefined;
  try {
    await options.builder.prepare(options.credentials, { signal, log: () => {} });
    return undefined;
  } catch (error) {
    const info = errorInfo(error, 'login');
    return { ...info, message: mask(info.message) };
  }
}

export { exitCodeFor };
