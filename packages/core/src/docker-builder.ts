import { rmSync } from 'node:fs';
import type { ImageBuilder, PushResult, RegistryCredentials, StepContext } from './builder.js';
import { createTemporaryDockerConfig } from './docker-config.js';
import { dockerBuildArgs, dockerInfoArgs, dockerLoginArgs, dockerPushArgs, parsePushDigest } from './docker-args.js';
import { classifyRegistryFailure } from './registry-failure.js';
import { UaiError } from './errors.js';
import type { ModelPlan } from './plan.js';
import { runProcess, type RunResult } from './run-process.js';

export interface DockerBuilderOptions {
  /** The docker binary. @default "docker" */
  docker?: string;
  env?: NodeJS.ProcessEnv;
}

/** Lines the Docker CLI prints on every build that say nothing about what failed. */
const noise = /^(DEPRECATED: The legacy builder|\s*Install the buildx component|\s*https:\/\/docs\.docker\.com\/go\/buildx)/;

/** Last lines of a child's output, for an error message. */
function tail(result: RunResult, lines = 6): string {
  return `${result.stdout}\n${result.stderr}`
    .trim()
    .split('\n')
    .filter((line) => line && !noise.test(line))
    .slice(-lines)
    .join('\n');
}

/** Builds with `docker build` and pushes with `docker push`, through the Docker CLI. */
export function dockerBuilder(options: DockerBuilderOptions = {}): ImageBuilder {
  const docker = options.docker ?? 'docker';
  let configDir: string | undefined;
  let removeConfig: (() => Promise<void>) | undefined;
  const removeOnExit = () => {
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  };
  const childEnv = () => (configDir ? { DOCKER_CONFIG: configDir } : {});

  async function run(args: string[], ctx: StepContext, input?: string): Promise<RunResult> {
    const result = await runProcess(docker, args, { env: childEnv(), input, signal: ctx.signal, onLine: ctx.log });
    if (result.notFound) {
      throw new UaiError('UAI_DOCKER_NOT_INSTALLED', `The docker command was not found. Install Docker (https://docs.docker.com/engine/install/).`);
    }
    if (result.aborted) throw new UaiError('UAI_CANCELLED', 'Stopped.');
    return result;
  }

  return {
    name: 'docker',

    async prepare(credentials: readonly RegistryCredentials[], ctx: StepContext): Promise<void> {
      const version = await run(dockerInfoArgs(), ctx);
      if (version.exitCode !== 0) {
        throw new UaiError(
          'UAI_ENGINE_UNAVAILABLE',
          `No Docker engine answers (${tail(version, 2)}). Start the Docker daemon (for example: sudo systemctl start docker), or check DOCKER_HOST.`,
          { step: 'login' },
        );
      }
      if (credentials.length === 0) return;
      const temp = await createTemporaryDockerConfig(
        credentials.map((c) => c.host),
        options.env,
      );
      configDir = temp.dir;
      removeConfig = temp.remove;
      process.once('exit', removeOnExit);
      for (const { host, username, password } of credentials) {
        const login = await run(dockerLoginArgs(host, username), ctx, password);
        if (login.exitCode !== 0) {
          throw classifyRegistryFailure(tail(login), { host, step: 'login', username });
        }
      }
    },

    async build(plan: ModelPlan, ctx: StepContext): Promise<void> {
      const result = await run(dockerBuildArgs(plan), ctx);
      if (result.exitCode !== 0) {
        const output = tail(result);
        if (/pull access denied|manifest unknown|not found|unauthorized|no basic auth credentials|authentication required|connection refused|no such host/i.test(output)) {
          throw classifyRegistryFailure(output, { host: plan.baseImage, step: 'build', model: plan.name, baseImage: plan.baseImage });
        }
        throw new UaiError('UAI_BUILD_FAILED', `docker build failed:\n${output}`, { model: plan.name, step: 'build' });
      }
    },

    async push(plan: ModelPlan, ctx: StepContext): Promise<PushResult> {
      const result = await run(dockerPushArgs(plan), ctx);
      if (result.exitCode !== 0) {
        throw classifyRegistryFailure(tail(result), { host: plan.registryHost, step: 'push', model: plan.name });
      }
      return { digest: parsePushDigest(result.stdout) };
    },

    async dispose(): Promise<void> {
      process.removeListener('exit', removeOnExit);
      await removeConfig?.();
      configDir = undefined;
    },
  };
}
