// Runs the real `uai` binary as a user would, in a test project, against the test registry.
import { readFile } from 'node:fs/promises';
import { run } from './exec.mjs';
import { uaiBin } from './paths.mjs';
import type { Project } from './project.js';

export interface UaiRun {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The docker calls uai made, one line each (`DOCKER_CONFIG=<dir> argv...`). */
  dockerCalls: string[];
}

export interface UaiEnv {
  /** UAI_REGISTRY_HOST. */
  host?: string;
  username?: string;
  password?: string;
  extra?: Record<string, string>;
}

/** This process's environment without the developer's own registry, uai and Docker settings. */
export function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(UHUB_|UAI_|DOCKER_CONFIG$|XDG_)/.test(key)));
}

export async function runUai(project: Project, args: string[], env: UaiEnv = {}): Promise<UaiRun> {
  const before = await readFile(project.dockerLog, 'utf8').catch(() => '');
  const started = Date.now();
  const result = await run(process.execPath, [uaiBin, ...args], {
    cwd: project.dir,
    env: {
      ...baseEnv(),
      PATH: `${project.binDir}:${process.env.PATH}`,
      HOME: project.home,
      DOCKER_CONFIG: project.dockerConfig,
      TMPDIR: project.tmp,
      CI: 'true',
      ...(env.host ? { UAI_REGISTRY_HOST: env.host } : {}),
      ...(env.username ? { UHUB_USERNAME: env.username } : {}),
      ...(env.password ? { UHUB_PASSWORD: env.password } : {}),
      ...env.extra,
    },
    timeoutMs: 240_000,
  });
  const after = await readFile(project.dockerLog, 'utf8').catch(() => '');
  return {
    ...result,
    durationMs: Date.now() - started,
    dockerCalls: after.slice(before.length).split('\n').filter(Boolean),
  };
}

/** The registry's credentials as uai gets them: env UAI_REGISTRY_HOST, UHUB_USERNAME, UHUB_PASSWORD. */
export function registryEnv(registry: { host: string; username: string; password: string }): UaiEnv {
  return { host: registry.host, username: registry.username, password: registry.password };
}
