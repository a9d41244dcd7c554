import path from 'node:path';
import { dockerfileName } from '../../plan/paths.js';
import type { ModelPlan } from '../../plan/plan.js';

/**
 * `docker build` for a model: its build folder is the context, nothing of the user's tree is sent.
 * `plan.labels` are added to the image (the inputs key that lets a later run skip an unchanged model).
 */
export function dockerBuildArgs(plan: ModelPlan): string[] {
  return [
    'build',
    '--file',
    path.join(plan.buildDir, dockerfileName),
    '--tag',
    plan.imageRef,
    '--label',
    `ai.uai.model=${plan.name}`,
    '--label',
    `ai.uai.framework=${plan.framework}`,
    ...Object.entries(plan.labels ?? {}).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
    plan.buildDir,
  ];
}

export function dockerPushArgs(plan: ModelPlan): string[] {
  return ['push', plan.imageRef];
}

/** The password goes on stdin; argv is visible to every user of the machine. */
export function dockerLoginArgs(host: string, username: string): string[] {
  return ['login', '--username', username, '--password-stdin', host];
}

export function dockerVersionArgs(): string[] {
  return ['version', '--format', '{{.Server.Version}}'];
}

/** The digest `docker push` prints last: `<tag>: digest: sha256:... size: 1234`. */
export function parsePushDigest(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[a-f0-9]{64})/g)];
  return matches.at(-1)?.[1];
}
