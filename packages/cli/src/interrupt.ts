import { reportError } from './report-error.js';

/** SIGHUP too: closing the terminal must not leave the temporary credentials behind. */
const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Ctrl-C, SIGTERM and SIGHUP abort the run: children are stopped and temporary files removed, then
 * `uai` exits 130. A second one exits at once (the 'exit' handlers still kill the children's process
 * groups and remove temporary credentials and half-assembled build folders). `what` names what is
 * stopped, in the line a person reads at Ctrl-C.
 */
export function onInterrupt(what = 'builds'): { signal: AbortSignal; interrupted: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count += 1;
    if (count > 1) process.exit(130);
    process.stderr.write(`\nInterrupted: stopping ${what} (press Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  for (const signal of stopSignals) process.on(signal, handler);
  return {
    signal: controller.signal,
    interrupted: () => count > 0,
    dispose: () => {
      for (const signal of stopSignals) process.removeListener(signal, handler);
    },
  };
}

/**
 * The end of a command whose run threw: after Ctrl-C (or SIGTERM, SIGHUP) the error is reported as
 * any other, but the exit status is 130, not the error's; otherwise the error goes on to `main`.
 */
export function endFailedRun(error: unknown, interrupted: boolean, env: NodeJS.ProcessEnv, secrets: readonly string[] = []): number {
  if (!interrupted) throw error;
  reportError(error, env, secrets);
  return 130;
}
