import { classifyRegistryFailure } from '../../errors/registry-failure.js';
import type { ModelPlan } from '../../plan/plan.js';
import type { ImageBuilder, PushResult, RegistryCredentials, StepContext } from '../builder.js';
import { defaultRetryPolicy, pause, retryDelay, type RetryPolicy } from '../retry-policy.js';
import { dockerBuildArgs, dockerPushArgs, parsePushDigest } from './args.js';
import { cancelled, DockerCli, outputOf } from './docker-cli.js';
import { buildFailure, isTransientPushFailure, tailOf } from './output.js';

export interface DockerBuilderOptions {
  /** The docker binary. @default "docker" */
  docker?: string;
  env?: NodeJS.ProcessEnv;
  /** How a push is tried again after a registry's passing trouble. @default defaultRetryPolicy */
  retry?: RetryPolicy;
  /** An engine was seen answering just now (`--builder auto` asked): skip the check in prepare. */
  engineChecked?: boolean;
}

/** Builds with `docker build` and pushes with `docker push`, through the Docker CLI. */
export function dockerBuilder(options: DockerBuilderOptions = {}): ImageBuilder {
  const retry = options.retry ?? defaultRetryPolicy;
  const cli = new DockerCli(options.env, options.docker);

  /** One `docker push`; a failure says whether another try may succeed. */
  async function pushOnce(plan: ModelPlan, ctx: StepContext): Promise<{ digest?: string } | { failure: string; transient: boolean }> {
    const result = await cli.run(dockerPushArgs(plan), ctx, 'push');
    if (result.exitCode === 0) return { digest: parsePushDigest(result.stdout) };
    return { failure: tailOf(outputOf(result)), transient: isTransientPushFailure(outputOf(result)) };
  }

  return {
    name: 'docker',
    stages: false,

    async prepare(credentials: readonly RegistryCredentials[], ctx: StepContext): Promise<void> {
      if (!options.engineChecked) await cli.checkEngine(ctx);
      await cli.login(credentials, ctx);
    },

    async build(plan: ModelPlan, ctx: StepContext): Promise<void> {
      const result = await cli.run(dockerBuildArgs(plan), ctx, 'build');
      if (result.exitCode !== 0) throw buildFailure(outputOf(result), plan);
    },

    /**
     * `docker push` uploads the layers first and puts the manifest last; the registry creates the tag
     * only when it accepts that manifest. A push that fails part way leaves at most unreferenced
     * blobs, never a tag on half an image: so a failed push is tried again as a whole, and is reported
     * as failed, never as pushed.
     */
    async push(plan: ModelPlan, ctx: StepContext): Promise<PushResult> {
      for (let n = 1; ; n++) {
        const attempt = await pushOnce(plan, ctx);
        if (!('failure' in attempt)) return attempt;
        if (!attempt.transient || n > retry.retries) {
          const tries = n > 1 ? ` (tried ${n} times)` : '';
          throw classifyRegistryFailure(`${attempt.failure}${tries}`, { host: plan.registryHost, step: 'push', model: plan.name });
        }
        const delay = retryDelay(retry, n);
        ctx.log(`push failed (${attempt.failure.split('\n').at(-1)}); trying again in ${delay} ms (${n + 1} of ${retry.retries + 1})`);
        if (!(await pause(delay, ctx.signal))) throw cancelled();
      }
    },

    dispose: () => cli.dispose(),
  };
}
