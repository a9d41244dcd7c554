/**
 * The one list of environment variables whose values are secrets. They are kept out of every child's
 * environment (the password reaches `docker login` on stdin only, a credential helper never sees it)
 * and masked in everything `uai` prints.
 */
export const secretEnvNames = ['UHUB_PASSWORD'] as const;

/** The secret values of a run: those the environment holds, plus any learnt elsewhere (`uai packdocker --uhub_password`). */
export function secretsOf(env: NodeJS.ProcessEnv, extra: readonly string[] = []): string[] {
  return [...secretEnvNames.map((name) => env[name]).filter((value): value is string => Boolean(value)), ...extra];
}

/** `env` without the secret variables: for a child process. */
export function withoutSecrets(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of secretEnvNames) out[name] = undefined;
  return out;
}
