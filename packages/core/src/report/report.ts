import { shortDigest } from '../pipeline/progress.js';
import { notStartedStep, type ModelResult } from '../pipeline/result.js';

export type { ModelResult, ModelStatus } from '../pipeline/result.js';

export interface BuildReport {
  models: ModelResult[];
  exitCode: number;
  /** `K/N` when the run built one shard of the batch. */
  shard?: string;
}

/** 0 when every selected model succeeded, 1 otherwise (interrupts are decided by the caller). */
export function exitCodeFor(results: readonly ModelResult[]): number {
  return results.some((result) => result.status === 'failed' || result.status === 'cancelled') ? 1 : 0;
}

/** The `--json` document: exactly the interface's fields; `shard` beside `models` for a shard's run. */
export function jsonReport(results: readonly ModelResult[], options: { shard?: string } = {}): string {
  return JSON.stringify(
    {
      ...(options.shard ? { shard: options.shard } : {}),
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

/** A line cut to `columns` characters, its end replaced by `…` when cut. */
function fit(line: string, columns: number | undefined): string {
  return columns === undefined || line.length <= columns ? line : `${line.slice(0, Math.max(1, columns - 1))}…`;
}

/** Text broken into lines of at most `columns` characters, at spaces where it can. */
function wrap(text: string, columns: number | undefined): string[] {
  if (columns === undefined || columns < 20) return [text];
  const lines: string[] = [];
  let rest = text;
  while (rest.length > columns) {
    const space = rest.lastIndexOf(' ', columns);
    const cut = space > columns / 2 ? space : columns;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ /, '');
  }
  return [...lines, rest];
}

export interface SummaryOptions {
  /**
   * The terminal's width: digests are shortened (`sha256:` and 12 hex digits), rows cut and errors
   * wrapped to fit. @default none: whole digests, lines as long as they are (a pipe, CI, a file)
   */
  columns?: number;
}

/** The summary table printed after a build: a row per model, its error below it, and the totals. */
export function formatSummary(results: readonly ModelResult[], options: SummaryOptions = {}): string {
  const { columns } = options;
  const width = Math.max(5, ...results.map((result) => result.name.length));
  const indent = ' '.repeat(width + 2);
  const lines = results.flatMap((result) => {
    const digest = result.digest && (columns === undefined ? result.digest : shortDigest(result.digest));
    const head = `${result.name.padEnd(width)}  ${result.status.padEnd(9)} ${seconds(result.durationMs).padStart(7)}  ${result.image}${digest && !result.error ? `@${digest}` : ''}`;
    if (!result.error) return [fit(head, columns)];
    const error = `${result.error.step}: ${result.error.message}`
      .split('\n')
      .flatMap((line) => wrap(line, columns === undefined ? undefined : columns - indent.length));
    return [fit(head, columns), ...error.map((line) => `${indent}${line}`)];
  });
  return `${lines.join('\n')}\n\n${totals(results)}`;
}

/** `2 pushed, 1 failed, 2 cancelled (1 not started)`: what happened to how many models. */
function totals(results: readonly ModelResult[]): string {
  const count = (status: string) => results.filter((result) => result.status === status).length;
  const notStarted = results.filter((result) => result.status === 'cancelled' && result.error?.step === notStartedStep).length;
  return ['pushed', 'built', 'skipped', 'staged', 'passed', 'failed', 'cancelled', 'planned']
    .map((status) => [status, count(status)] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => (status === 'cancelled' && notStarted > 0 ? `${n} cancelled (${notStarted} not started)` : `${n} ${status}`))
    .join(', ');
}
