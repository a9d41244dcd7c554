import { readFile } from 'node:fs/promises';
import { isUaiError, jsonReport, publishReports, redact, UaiError } from '@uai/core';
import { secretsOf } from '@uai/core/light';
import { builtinPlugins } from '../builtin-plugins.js';
import { endFailedRun, onInterrupt } from '../interrupt.js';
import { jsonErrorDocument, writeLine } from '../output.js';
import { cliDir, pushedLine } from './build.js';

export interface PublishFlags {
  json?: boolean;
  config?: string;
  model?: string[];
}

/** The reports named, or standard input when none is and it is not a terminal (`uai build ... --json | uai publish`). */
async function readReportFiles(files: readonly string[]): Promise<{ file: string; text: string }[]> {
  if (files.length > 0) {
    return Promise.all(
      files.map(async (file) => {
        try {
          return { file, text: await readFile(file, 'utf8') };
        } catch (error) {
          throw new UaiError(
            'UAI_USAGE',
            `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}. Give the reports of uai build --no-tag --json.`,
          );
        }
      }),
    );
  }
  if (process.stdin.isTTY) throw new UaiError('UAI_USAGE', 'uai publish needs the reports of uai build --no-tag --json: name their files, or pipe one in.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return [{ file: 'standard input', text: Buffer.concat(chunks).toString('utf8') }];
}

/** `uai publish REPORT.json...`: moves every staged model's tag to its reported digest, all or nothing. */
export async function publishCommand(files: readonly string[], flags: PublishFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const interrupt = onInterrupt('the tag moves');
  const json = Boolean(flags.json);
  try {
    const reports = await readReportFiles(files);
    const models = await publishReports({
      reports,
      configFile: flags.config,
      models: flags.model,
      env,
      signal: interrupt.signal,
      fallbackFrom: cliDir,
      builtin: builtinPlugins,
      log: (line) => writeLine(process.stderr, line),
    });
    for (const model of models) writeLine(json ? process.stderr : process.stdout, pushedLine(model.image));
    if (json) writeLine(process.stdout, jsonReport(models));
    return interrupt.interrupted() ? 130 : 0;
  } catch (error) {
    if (json) {
      const known = isUaiError(error) ? error : undefined;
      writeLine(process.stdout, jsonErrorDocument(known?.code ?? 'UAI_INTERNAL', redact(known?.message ?? String(error), secretsOf(env))));
    }
    return endFailedRun(error, interrupt.interrupted(), env);
  } finally {
    interrupt.dispose();
  }
}
