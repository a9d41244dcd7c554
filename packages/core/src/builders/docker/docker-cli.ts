import { rmSync } from 'node:fs';
import { classifyRegistryFailure } from '../../errors/registry-failure.js';
import { UaiError } from '../../errors/uai-error.js';
import type { RegistryCredentials, StepContext } from '../builder.js';
import { dockerLoginArgs, dockerVersionArgs } from './args.js';
import { dockerChildEnv } from './engine.js';
import { tailOf } from './output.js';
import { runProcess, type RunResult } from './run-process.js';
import { createTemporaryDockerConfig } from './temp-config.js';

/** The output of a docker child, both streams. */
export function outputOf(result: RunResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

export function cancelled(): UaiError {
  return new UaiError('UAI_CANCELLED', 'Stopped.');
}

/**
 * The Docker CLI as `uai` runs it: no secret in any child's environment, our logins in a temporary
 * DOCKER_CONFIG (mode 0700, removed on dispose and on exit) that only this CLI's children see. Used by
 * the Docker builder and by smoke tests.
 */
export class DockerCli {
  /** The temporary DOCKER_CONFIG holding our logins, while there is one. */
  private config: { dir: string; remove: () => Promise<void> } | undefined;
  private readonly removeOnExit = () => {
    if (this.config) rmSync(this.config.dir, { recursive: true, force: true });
  };

  constructor(
    private readonly env: NodeJS.ProcessEnv | undefined,
    private readonly docker = 'docker',
  ) {}

  /** Runs docker; a missing docker or a stop become UaiErrors, any other failure is the caller's to read. */
  async run(args: string[], ctx: StepContext, step: string, input?: string): Promise<RunResult> {
    // The password reaches `docker login` on stdin only: no docker child gets it in its environment.
    const result = await runProcess(this.docker, args, { env: dockerChildEnv(this.env, this.config?.dir), input, signal: ctx.signal, onLine: ctx.log });
    if (result.notFound) {
      throw new UaiError(
        'UAI_DOCKER_NOT_INSTALLED',
        'The docker command was not found on PATH. Install Docker (https://docs.docker.com/engine/install/), or add its folder to PATH.',
        {
          step,
        },
      );
    }
    if (result.aborted) throw cancelled();
    return result;
  }

  /** Throws UAI_ENGINE_UNAVAILABLE when no engine answers. */
  async checkEngine(ctx: StepContext): Promise<void> {
    const version = await this.run(dockerVersionArgs(), ctx, 'engine');
    if (version.exitCode !== 0) {
      throw new UaiError(
        'UAI_ENGINE_UNAVAILABLE',
        `No Docker engine answers (${tailOf(outputOf(version), 2)}). Start the Docker daemon (for example: sudo systemctl start docker), or check DOCKER_HOST.`,
        { step: 'engine' },
      );
    }
  }

  /** `docker login` to each host, into the temporary config (the user's store is never written). */
  async login(credentials: readonly RegistryCredentials[], ctx: StepContext): Promise<void> {
    if (credentials.length === 0) return;
    process.once('exit', this.removeOnExit);
    this.config = await createTemporaryDockerConfig(
      credentials.map((c) => c.host),
      this.env,
    );
    for (const { host, username, password } of credentials) {
      const result = await this.run(dockerLoginArgs(host, username), ctx, 'login', password);
      if (result.exitCode !== 0) throw classifyRegistryFailure(tailOf(outputOf(result)), { host, step: 'login', username });
    }
  }

  /** Removes the temporary config. Always called at the end, whatever happened. */
  async dispose(): Promise<void> {
    process.removeListener('exit', this.removeOnExit);
    await this.config?.remove();
    this.config = undefined;
  }
}
