import type { RendererKind } from '@uai/core';

/** Running in CI: `CI` set to anything but `false`. No live progress and no prompts there. */
export function inCI(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.CI) && env.CI !== 'false';
}

/** Live progress in a terminal; plain lines in CI, when piped, or in tests. */
export function chooseRenderer(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): RendererKind {
  if (!stream.isTTY) return 'plain';
  if (inCI(env)) return 'plain';
  if (env.TERM === 'dumb') return 'plain';
  if (env.VITEST || env.NODE_ENV === 'test') return 'plain';
  return 'live';
}

/**
 * Whether a person watches the run: the live list draws on stderr, so both streams must be the terminal
 * (stdout would write behind its back). Else plain lines.
 */
export function liveTerminal(env: NodeJS.ProcessEnv): boolean {
  return Boolean(process.stdout.isTTY) && chooseRenderer(env, process.stderr) === 'live';
}

export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** What `build`, `test` and `publish` print with `--json` for a run that never started (exit 2): no models, the error. The message is already masked. */
export function jsonErrorDocument(code: string, message: string): string {
  return JSON.stringify({ models: [], error: { code, message } }, null, 2);
}
