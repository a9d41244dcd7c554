import { withoutSecrets } from '../../secrets/secret-env.js';
import { dockerVersionArgs } from './args.js';
import { runProcess } from './run-process.js';

/** The environment of a docker child: no secret (the password goes on stdin), and our temporary config when there is one. */
export function dockerChildEnv(env: NodeJS.ProcessEnv | undefined, configDir?: string): NodeJS.ProcessEnv {
  return { ...withoutSecrets(env), ...(configDir ? { DOCKER_CONFIG: configDir } : {}) };
}

/** Does a Docker engine answer? `docker version`, as the Docker builder runs first anyway. */
export async function engineAnswer(env: NodeJS.ProcessEnv, docker = 'docker'): Promise<{ ok: boolean; detail: string }> {
  const result = await runProcess(docker, dockerVersionArgs(), { env: dockerChildEnv(env) });
  if (result.notFound) return { ok: false, detail: 'the docker command is not installed' };
  if (result.exitCode !== 0) return { ok: false, detail: result.stderr.trim().split('\n').at(-1) || `docker version exited ${result.exitCode}` };
  return { ok: true, detail: `engine ${result.stdout.trim()} answers` };
}
