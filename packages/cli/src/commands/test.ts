import { formatSummary, isUaiError, jsonReport, redact, testModels, type ModelResult } from '@uai/core';
import { secretsOf } from '@uai/core/light';
import { builtinPlugins } from '../builtin-plugins.js';
import { endFailedRun, onInterrupt } from '../interrupt.js';
import { jsonErrorDocument, liveTerminal, writeLine } from '../output.js';
import { cliDir } from './build.js';

export interface TestFlags {
  model?: string[];
  json?: boolean;
  config?: string;
}

/** One line per model as its test ends. */
function resultLine(result: ModelResult): string {
  if (result.status === 'passed') return `✔ ${result.name}: passed (${result.image}${result.digest ? `@${result.digest}` : ''})`;
  if (result.status === 'skipped') return `- ${result.name}: skipped (no test: in the config)`;
  return `✖ ${result.name}: ${result.status}: ${result.error?.message.split('\n')[0] ?? ''}`;
}

/** No engine to run the images in: the command cannot run at all (exit 2), as a usage problem would. */
const noEngine = new Set(['UAI_ENGINE_UNAVAILABLE', 'UAI_DOCKER_NOT_INSTALLED']);

/**
 * `uai test`: each selected model's smoke test against its image (as the last build left it) in the
 * local Docker engine; a line per model, then the summary, or `--json`'s one document.
 */
export async function testCommand(flags: TestFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const interrupt = onInterrupt('the tests');
  const json = Boolean(flags.json);
  const out = json ? process.stderr : process.stdout;
  try {
    const report = await testModels({
      configFile: flags.config,
      models: flags.model,
      env,
      signal: interrupt.signal,
      fallbackFrom: cliDir,
      builtin: builtinPlugins,
      onResult: (result) => writeLine(out, resultLine(result)),
      log: (line) => writeLine(process.stderr, line),
    });
    if (json) writeLine(process.stdout, jsonReport(report.models));
    else writeLine(process.stdout, `\n${formatSummary(report.models, { columns: liveTerminal(env) ? process.stdout.columns : undefined })}`);
    return interrupt.interrupted() ? 130 : report.exitCode;
  } catch (error) {
    const known = isUaiError(error) ? error : undefined;
    if (json) {
      const message = redact(known?.message ?? String(error), secretsOf(env));
      writeLine(process.stdout, jsonErrorDocument(known?.code ?? 'UAI_INTERNAL', message));
    }
    if (known && noEngine.has(known.code)) {
      writeLine(process.stderr, `${redact(known.message, secretsOf(env))}\nuai test runs each image in a local Docker engine.`);
      return interrupt.interrupted() ? 130 : 2;
    }
    return endFailedRun(error, interrupt.interrupted(), env);
  } finally {
    interrupt.dispose();
  }
}
