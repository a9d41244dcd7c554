import { redact, secretsOf } from '@uai/core/light';
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { jsonErrorDocument, writeLine } from './output.js';
import { defineCommands } from './program.js';
import { reportError } from './report-error.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** The commands whose `--json` prints one JSON document on stdout, whatever happens. */
const jsonCommands = new Set(['build', 'test', 'publish']);

/** Runs the CLI; resolves to the exit status (interface.md: 0, 1, 2, 130). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let status = 0;
  // Secrets learnt from the command line (`uai packdocker --uhub_password`), masked in any error.
  const secrets: string[] = [];
  const program = new Command('uai')
    .description('Build and push UCloud UAI Inference images for the models in uai.config.ts.')
    .version(version, '-v, --version')
    .exitOverride()
    .showHelpAfterError('(run uai --help for usage)')
    // Commander quotes a rejected value in its message (`--password hunter2`): mask secrets there too.
    .configureOutput({ outputError: (text, write) => write(redact(text, secretsOf(env, secrets))) });

  defineCommands(program, { env, secrets, setStatus: (value) => (status = value) });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      // `build`, `test` and `publish` with `--json` promise one document on stdout, also for a command line that never parsed.
      if (jsonCommands.has(argv[0] ?? '') && argv.includes('--json')) {
        const message = redact(error.message.replace(/^error: /, ''), secretsOf(env, secrets));
        writeLine(process.stdout, jsonErrorDocument('UAI_USAGE', message));
      }
      return 2;
    }
    return reportError(error, env, secrets);
  }
}
