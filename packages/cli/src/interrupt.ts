/**
 * Ctrl-C and SIGTERM abort the run: children are stopped and temporary files removed, then `uai`
 * exits 130. A second Ctrl-C exits at once (the 'exit' handlers still remove temporary credentials).
 */
export function onInterrupt(): { signal: AbortSignal; interrupted: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count += 1;
    if (count > 1) process.exit(130);
    process.stderr.write('\nInterrupted: stopping builds (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    interrupted: () => count > 0,
    dispose: () => {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
    },
  };
}
