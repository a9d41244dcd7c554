import { isUaiError } from './errors.js';

export type ModelStatus = 'pushed' | 'built' | 'skipped' | 'failed' | 'cancelled' | 'planned';

export interface ModelResult {
  name: string;
  /** `<host>/<namespace>/<image>`. */
  image: string;
  status: ModelStatus;
  /** The registry's manifest digest, for pushed images. */
  digest?: string;
  durationMs: number;
  error?: { step: string; code: string; message: string };
}

export interface BuildReport {
  models: ModelResult[];
  exitCode: number;
}

/** The `error.step` of a model the run stopped before it began (status `cancelled`). */
export const notStartedStep = 'queued';

/** 0 when every selected model succeeded, 1 otherwise (interrupts are decided by the caller). */
export function exitCodeFor(results: readonly ModelResult[]): number {
  return results.some((result) => result.status === 'failed' || result.status === 'cancelled') ? 1 : 0;
}

export function errorInfo(error: unknown, step: string): NonNullable<ModelResult['error']> {
  if (isUaiError(error)) return { step: error.step ?? step, code: error.code, message: error.message };
  return { step, code: 'UAI_INTERNAL', message: error instanceof Error ? error.message : String(error) };
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
