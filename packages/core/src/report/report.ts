import { notStartedStep, type ModelResult } from '../pipeline/result.js';

export type { ModelResult, ModelStatus } from '../pipeline/result.js';

export interface BuildReport {
  models: ModelResult[];
  exitCode: number;
}

/** 0 when every selected model succeeded, 1 otherwise (interrupts are decided by the caller). */
export function exitCodeFor(results: readonly ModelResult[]): number {
  return results.some((result) => result.status === 'failed' || result.status === 'cancelled') ? 1 : 0;
}

/** The `--json` document: exactly the interface's fields. */
export function jsonReport(results: readonly ModelResult[]): string {
  return JSON.stringify(
    {
      models: results.map(({ name, image, status, digest, durationMs, error }) => ({
        name,
        image,
        status,
        digest: digest ?? null,
        durationMs,
        error: error ?? null,
      })),
    },
    null,
    2,
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** The summary table printed after a build. */
export function formatSummary(results: readonly ModelResult[]): string {
  const width = Math.max(5, ...results.map((result) => result.name.length));
  const lines = results.map((result) => {
    const head = `${result.name.padEnd(width)}  ${result.status.padEnd(9)} ${seconds(result.durationMs).padStart(7)}  ${result.image}`;
    if (result.error) return `${head}\n${' '.repeat(width + 2)}${result.error.step}: ${result.error.message.split('\n').join(`\n${' '.repeat(width + 2)}`)}`;
    return result.digest ? `${head}@${result.digest}` : head;
  });
  return `${lines.join('\n')}\n\n${totals(results)}`;
}

/** `2 pushed, 1 failed, 2 cancelled (1 not started)`: what happened to how many models. */
function totals(results: readonly ModelResult[]): string {
  const count = (status: string) => results.filter((result) => result.status === status).length;
  const notStarted = results.filter((result) => result.status === 'cancelled' && result.error?.step === notStartedStep).length;
  return ['pushed', 'built', 'skipped', 'failed', 'cancelled', 'planned']
    .map((status) => [status, count(status)] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => (status === 'cancelled' && notStarted > 0 ? `${n} cancelled (${notStarted} not started)` : `${n} ${status}`))
    .join(', ');
}
