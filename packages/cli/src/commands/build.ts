import { build, formatSummary, isUaiError, jsonReport, redact, type BuildOptions, type ModelResult } from '@uai/core';
import { secretsOf, type Shard } from '@uai/core/light';
import { builtinPlugins } from '../builtin-plugins.js';
import { fileURLToPath } from 'node:url';
import { endFailedRun, onInterrupt } from '../interrupt.js';
import { jsonErrorDocument, liveTerminal, writeLine } from '../output.js';

export interface BuildFlags {
  model?: string[];
  push: boolean;
  dryRun?: boolean;
  json?: boolean;
  concurrency?: number;
  config?: string;
  failFast?: boolean;
  builder?: 'auto' | 'docker' | 'native';
  output?: string;
  force?: boolean;
  /** commander's `--no-tag`: false when given. */
  tag?: boolean;
  atomic?: boolean;
  test?: boolean;
  shard?: Shard;
}

/** The CLI's own folder: built-in plugins are found from here when the project has not installed them. */
export const cliDir = fileURLToPath(new URL('..', import.meta.url));

/** The old `packdocker` script's line for a pushed image, which scripts grep for (`uai publish` prints it too). */
export function pushedLine(image: string): string {
  return `upload docker images successful. images:${image}`;
}

function successLine(result: ModelResult): string | undefined {
  if (result.status === 'pushed') return pushedLine(result.image);
  if (result.status === 'skipped') return `unchanged, skipped. images:${result.image}`;
  if (result.status === 'built') return `built image ${result.image}`;
  if (result.status === 'staged') return `staged, the tag did not move. images:${result.image}@${result.digest}`;
  return undefined;
}

/**
 * Runs a build and prints what the user sees: a success line per model as it finishes, then the
 * summary, or with `json` the JSON document alone on stdout (everything else on stderr). In a terminal
 * the models' live list owns the screen while it runs: the success lines wait until it has stopped, and
 * the summary fits the terminal's width.
 */
export async function buildAndReport(options: BuildOptions, json: boolean, env: NodeJS.ProcessEnv): Promise<number> {
  const interrupt = onInterrupt();
  const out = json ? process.stderr : process.stdout;
  const live = !json && liveTerminal(env);
  const renderer = live ? 'live' : 'plain';
  const waiting: string[] = [];
  try {
    const report = await build({
      ...options,
      env,
      renderer,
      signal: interrupt.signal,
      fallbackFrom: cliDir,
      builtin: builtinPlugins,
      onBuilder: (reason) => writeLine(process.stderr, reason),
      onPrepared: (run) => {
        for (const warning of run.warnings) writeLine(process.stderr, `warning: ${warning}`);
      },
      onResult: (result) => {
        const line = successLine(result);
        if (line && live) waiting.push(line);
        else if (line) writeLine(out, line);
      },
    });
    for (const line of waiting) writeLine(out, line);
    if (json) writeLine(process.stdout, jsonReport(report.models, { shard: report.shard }));
    else writeLine(process.stdout, `\n${formatSummary(report.models, { columns: live ? process.stdout.columns : undefined })}`);
    return interrupt.interrupted() ? 130 : report.exitCode;
  } catch (error) {
    // --json promises one document on stdout: a run that never started still gets one, with the error.
    if (json) {
      const info = isUaiError(error) ? { code: error.code, message: error.message } : { code: 'UAI_INTERNAL', message: String(error) };
      writeLine(process.stdout, jsonErrorDocument(info.code, redact(info.message, secretsOf(env, options.secrets))));
    }
    return endFailedRun(error, interrupt.interrupted(), env, options.secrets);
  } finally {
    interrupt.dispose();
  }
}

export function buildCommand(flags: BuildFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return buildAndReport(
    {
      configFile: flags.config,
      models: flags.model,
      push: flags.push,
      dryRun: flags.dryRun,
      failFast: flags.failFast,
      concurrency: flags.concurrency,
      builder: flags.builder,
      output: flags.output,
      force: flags.force,
      noTag: flags.tag === false,
      atomic: flags.atomic,
      test: flags.test,
      shard: flags.shard,
    },
    Boolean(flags.json),
    env,
  );
}
