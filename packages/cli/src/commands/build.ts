import { build, formatSummary, jsonReport, type ModelResult } from '@uai/core';
import { fileURLToPath } from 'node:url';
import { onInterrupt } from '../interrupt.js';
import { chooseRenderer, writeLine } from '../output.js';

export interface BuildFlags {
  model?: string[];
  push: boolean;
  dryRun?: boolean;
  json?: boolean;
  concurrency?: number;
  config?: string;
  failFast?: boolean;
}

/** The CLI's own folder: built-in plugins are found from here when the project has not installed them. */
const cliDir = fileURLToPath(new URL('..', import.meta.url));

function successLine(result: ModelResult): string | undefined {
  if (result.status === 'pushed') return `upload docker images successful. images:${result.image}`;
  if (result.status === 'built') return `built image ${result.image}`;
  return undefined;
}

export async function buildCommand(flags: BuildFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const interrupt = onInterrupt();
  // With --json, stdout carries the JSON document alone.
  const out = flags.json ? process.stderr : process.stdout;
  try {
    const report = await build({
      configFile: flags.config,
      env,
      models: flags.model,
      push: flags.push,
      dryRun: flags.dryRun,
      failFast: flags.failFast,
      concurrency: flags.concurrency,
      renderer: chooseRenderer(env, process.stderr),
      signal: interrupt.signal,
      fallbackFrom: cliDir,
      onResult: (result) => {
        const line = successLine(result);
        if (line) writeLine(out, line);
      },
    });
    if (flags.json) writeLine(process.stdout, jsonReport(report.models));
    else writeLine(process.stdout, `\n${formatSummary(report.models)}`);
    return interrupt.interrupted() ? 130 : report.exitCode;
  } finally {
    interrupt.dispose();
  }
}
