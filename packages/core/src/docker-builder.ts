import { rmSync } from 'node:fs';
import type { ImageBuilder, PushResult, RegistryCredentials, StepContext } from './builder.js';
import { createTemporaryDockerConfig } from './docker-config.js';
import { dockerBuildArgs, dockerVersionArgs, dockerLoginArgs, dockerPushArgs, parsePushDigest } from './docker-args.js';
import { isBasePullFailure, isDiskFull, isTransientPushFailure, tailOf } from './docker-output.js';
import { classifyRegistryFailure, registryHostOf } from './registry-failure.js';
import { UaiError } from './errors.js';
import type { ModelPlan } from './plan.js';
import { defaultRetryPolicy, pause, retryDelay, type RetryPolicy } from './push-retry.js';
import { runProcess, type RunResult } from './run-process.js';

export interface DockerBuilderOptions {
  /** The docker binary. @default "docker" */
  docker?: string;
  env?: NodeJS.ProcessEnv;
  /** How a push is tried again after a registry's passing trouble. @default defaultRetryPolicy */
  retry?: RetryPolicy;
  /** An engine was seen answering just now (`--builder auto` asked): skip the check in prepare. */
  engineChecked?: boolean;
}

/** The environment of a docker child: the password stays in `uai` (it goes on stdin, never in env or argv). */
export function dockerChildEnv(env: NodeJS.ProcessEnv | undefined, configDir?: string): NodeJS.ProcessEnv {
  return { ...env, UHUB_PASSWORD: undefined, ...(configDir ? { DOCKER_CONFIG: configDir } : {}) };
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
  let configDir: string | undefined;
  let removeConfig: (() => Promise<void>) | undefined;
  const removeOnExit = () => {
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  };
  // The password reaches `docker login` on stdin only: no docker child gets it in its environment.
  const childEnv = () => dockerChildEnv(options.env, configDir);

  async function run(args: string[], ctx: StepContext, step: string, input?: string): Promise<RunResult> {
    const result = await runProcess(docker, args, { env: childEnv(), input, signal: ctx.signal, onLine: ctx.log });
    if (result.notFound) {
      throw new UaiError('UAI_DOCKER_NOT_INSTALLED', `The docker command was not found on PATH. Install Docker (https://docs.docker.com/engine/install/), or add its folder to PATH.`, { step });
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
      if (credentials.length === 0) return;
      process.once('exit', removeOnExit);
      const temp = await createTemporaryDockerConfig(
        credentials.map((c) => c.host),
        options.env,
      );
      configDir = temp.dir;
      removeConfig = temp.remove;
      for (const { host, username, password } of credentials) {
        const login = await run(dockerLoginArgs(host, username), ctx, 'login', password);
        if (login.exitCode !== 0) {
          throw classifyRegistryFailure(tailOf(outputOf(login)), { host, step: 'login', username });
        }
      }
    },

    async build(plan: ModelPlan, ctx: StepContext): Promise<void> {
      const result = await run(dockerBuildArgs(plan), ctx, 'build');
      if (result.exitCode === 0) return;
      const output = outputOf(result);
      const where = { model: plan.name, step: 'build' };
      if (isDiskFull(output)) {
        throw new UaiError(
          'UAI_DISK_FULL',
          `The Docker engine ran out of disk space building ${plan.imageRef}. Free space where it keeps images (docker system prune; docker info shows its Docker Root Dir) and run again.\n${tailOf(output)}`,
          where,
        );
      }
      if (isBasePullFailure(output, plan.baseImage)) {
        throw classifyRegistryFailure(tailOf(output), { host: registryHostOf(plan.baseImage), step: 'build', model: plan.name, baseImage: plan.baseImage });
      }
      throw new UaiError('UAI_BUILD_FAILED', `docker build failed:\n${tailOf(output)}`, where);
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
      await removeConfig?.();
      configDir = undefined;
    },
  };
}
