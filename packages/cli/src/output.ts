import type { RendererKind } from '@uai/core';

/** Live progress in a terminal; plain lines in CI, when piped, or in tests. */
export function chooseRenderer(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): RendererKind {
  if (!stream.isTTY) return 'plain';
  if (env.CI && env.CI !== 'false') return 'plain';
  if (env.TERM === 'dumb') return 'plain';
  if (env.VITEST || env.NODE_ENV === 'test') return 'plain';
  return 'live';
}

export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** What `build --json` prints for a run that never started (exit 2): no models, the error. The message is already masked. */
export function jsonErrorDocument(code: string, message: string): string {
  return JSON.stringify({ models: [], error: { code, message } }, null, 2);
}
