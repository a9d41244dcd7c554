import { isUaiError, redact, secretsOf } from '@uai/core/light';
import { writeLine } from './output.js';

/** The one place that decides what the user sees of an error that ended the command. */
export function reportError(error: unknown, env: NodeJS.ProcessEnv, secrets: readonly string[] = []): number {
  const mask = (text: string) => redact(text, secretsOf(env, secrets));
  if (isUaiError(error)) {
    writeLine(process.stderr, mask(error.message));
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  writeLine(process.stderr, mask(`Unexpected error: ${stack}\nThis is a bug in uai; please report it with the command you ran.`));
  return 1;
}
