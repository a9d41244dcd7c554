import { rmSync } from 'node:fs';
import { classifyRegistryFailure } from '../../errors/registry-failure.js';
import { UaiError } from '../../errors/uai-error.js';
import type { ModelPlan } from '../../plan/plan.js';
import type { ImageBuilder, PushResult, RegistryCredentials, StepContext } from '../builder.js';
import { defaultRetryPolicy, pause, retryDelay, type RetryPolicy } from '../retry-policy.js';
import { dockerBuildArgs, dockerLoginArgs, dockerPushArgs, dockerVersionArgs, parsePushDigest } from './args.js';
import { dockerChildEnv } from './engine.js';
import { buildFailure, isTransientPushFailure, tailOf } from './output.js';
import { runProcess, type RunResult } from './run-process.js';
import { createTemporaryDockerConfig } from './temp-config.js';

export interface DockerBuilderOptions {
  /** The docker binary. @default "docker" */
  docker?: string;
  env?: NodeJS.ProcessEnv;
  /** How a push is tried again after a registry's passing trouble. @default defaultRetryPolicy */
  retry?: RetryPolicy;
  /** An engine was seen answering just now (`--builder auto` asked): skip the check in prepare. */
  engineChecked?: boolean;
}

function outputOf(result: RunResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

function cancelled(): UaiError {
  return new UaiError('UAI_CANCELLED', 'Stopped.');
}

/** Builds with `docker build` and pushes with `docker push`, through the Docker CLI. */
export function dockerBuilder(options: DockerBuilderOptions = {}): ImageBuilder {
  const docker = options.docker ?? 'docker';
  const retry = options.retry ?? defaultRetryPolicy;
  /** The temporary DOCKER_CONFIG holding our logins, while there is one. */
  let config: { dir: string; remove: () => Promise<void> } | undefined;
  const removeOnExit = () => {
    if (config) rmSync(config.dir, { recursive: true, force: true });
  };

  async function run(args: string[], ctx: StepContext, step: string, input?: string): Promise<RunResult> {
    // The password reaches `docker login` on stdin only: no docker child gets it in its environment.
    const result = await runProcess(docker, args, { env: dockerChildEnv(options.env, config?.dir), input, signal: ctx.signal, onLine: ctx.log });
    if (result.notFound) {
      throw new UaiError(
        'UAI_DOCKER_NOT_INSTALLED',
        `The docker command was not found on PATH. Install Docker (https://docs.docker.com/engine/install/), or add its folder to PATH.`,
        { step },
      );
    }
    if (result.aborted) throw cancelled();
    return result;
  }

  async function checkEngine(ctx: StepContext): Promise<void> {
    const version = await run(dockerVersionArgs(), ctx, 'engine');
    if (version.exitCode !== 0) {
      throw new UaiError(
        'UAI_ENGINE_UNAVAILABLE',
        `No Docker engine answers (${tailOf(outputOf(version), 2)}). Start the Docker daemon (for example: sudo systemctl start docker), or check DOCKER_HOST.`,
        { step: 'engine' },
      );
    }
  }

  async function login(credentials: readonly RegistryCredentials[], ctx: StepContext): Promise<void> {
    process.once('exit', removeOnExit);
    config = await createTemporaryDockerConfig(
      credentials.map((c) => c.host),
      options.env,
    );
    for (const { host, username, password } of credentials) {
      const result = await run(dockerLoginArgs(host, username), ctx, 'login', password);
      if (result.exitCode !== 0) throw classifyRegistryFailure(tailOf(outputOf(result)), { host, step: 'login', username });
    }
  }

  /** One `docker push`; a failure says whether another try may succeed. */
  async function pushOnce(plan: ModelPlan, ctx: StepContext): Promise<{ digest?: string } | { failure: string; transient: boolean }> {
    const result = await run(dockerPushArgs(plan), ctx, 'push');
    if (result.exitCode === 0) return { digest: parsePushDigest(result.stdout) };
    return { failure: tailOf(outputOf(result)), transient: isTransientPushFailure(outputOf(result)) };
  }

  return {
    name: 'docker',

    async prepare(credentials: readonly RegistryCredentials[], ctx: StepContext): Promise<void> {
      if (!options.engineChecked) await checkEngine(ctx);
      if (credentials.length > 0) await login(credentials, ctx);
    },

    async build(plan: ModelPlan, ctx: StepContext): Promise<void> {
      const result = await run(dockerBuildArgs(plan), ctx, 'build');
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

    async dispose(): Promise<void> {
      process.removeListener('exit', removeOnExit);
      await config?.remove();
      config = undefined;
    },
  };
}
