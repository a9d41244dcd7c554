import { checkInputs, prepareRun } from '@uai/core';
import { intro, outro } from '@clack/prompts';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinPlugins } from '../builtin-plugins.js';
import { inCI, writeLine } from '../output.js';
import { askChoice, askNamespace, Cancelled } from '../init/ask.js';
import { doubtsOf, entryFor, takeGuesses, type Choice, type ModelEntry } from '../init/choose.js';
import { configSource } from '../init/config-source.js';
import { detectModels, folderLabel, type Detection, type Listing } from '../init/detect.js';
import { existingConfig } from '../init/existing-config.js';
import { ignoreUaiFolder } from '../init/gitignore.js';
import { listFolder } from '../init/listing.js';
import { safeName } from '../init/names.js';
import { nothingFoundMessage, unconfirmedMessage, writtenReport } from '../init/report.js';
import { cliDir } from './build.js';

const configName = 'uai.config.ts';

/** Prompts only where someone can answer them: both ends a terminal, and not CI. */
function canAsk(env: NodeJS.ProcessEnv): boolean {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return false;
  return !inCI(env);
}

interface Decided {
  choices: Choice[];
  namespace: string;
  asked: boolean;
}

/** Asks about every doubtful guess, then the namespace. Throws Cancelled on Ctrl-C. */
async function askAll(detection: Detection, listing: Listing, suggestion: string): Promise<Decided> {
  intro('uai init');
  const files = new Set(listing.files);
  const choices: Choice[] = [];
  for (const proposal of detection.proposals) {
    const prefix = proposal.codeFolder === '.' ? '' : `${proposal.codeFolder}/`;
    const moduleExists = (module: string) => {
      const base = `${prefix}${module.split('.').join('/')}`;
      return files.has(`${base}.py`) || files.has(`${base}/__init__.py`);
    };
    choices.push(await askChoice(proposal, moduleExists));
  }
  const namespace = await askNamespace(suggestion);
  outro('Writing uai.config.ts');
  return { choices, namespace, asked: true };
}

/**
 * Checks the config as `uai build` would before it is written, and fills in each model's aiArchV
 * (its plugin's default, so it can be changed in place). A file problem a build would report is said now.
 */
async function validated(cwd: string, namespace: string, entries: readonly ModelEntry[], env: NodeJS.ProcessEnv) {
  const models = entries.map(({ files: _files, unconfirmed: _unconfirmed, options, ...model }) => ({ ...model, ...options }));
  const run = await prepareRun({
    cwd,
    inline: { path: path.join(cwd, configName), config: { registry: { namespace }, models } },
    env,
    fallbackFrom: cliDir,
    builtin: builtinPlugins,
  });
  for (const plan of run.plans) {
    await checkInputs(plan, run.root).catch((error: Error) => writeLine(process.stderr, `warning: uai build will fail ${plan.name}: ${error.message}`));
  }
  return entries.map((entry) => ({ ...entry, aiArchV: run.plans.find((plan) => plan.name === entry.name)?.model.aiArchV }));
}

/** What to write: every guess taken (--yes), or asked about in a terminal; undefined when refused. */
async function decide(flags: { yes?: boolean }, env: NodeJS.ProcessEnv, detection: Detection, listing: Listing): Promise<Decided | undefined> {
  const suggestion = safeName(listing.rootName) ?? 'my_namespace';
  if (!flags.yes && canAsk(env)) return askAll(detection, listing, suggestion);
  const doubts = detection.proposals.flatMap(doubtsOf);
  if (!flags.yes && doubts.length > 0) {
    writeLine(process.stderr, unconfirmedMessage(doubts));
    return undefined;
  }
  return { choices: detection.proposals.map(takeGuesses), namespace: suggestion, asked: false };
}

/**
 * `uai init`: writes uai.config.ts for the models found in the current folder and adds `.uai/` to
 * .gitignore. Exit 0 written; 2 refused (a config exists, nothing found, doubts nobody can answer);
 * 130 cancelled at a prompt. Nothing is written unless the config is.
 */
export async function initCommand(flags: { yes?: boolean }, env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<number> {
  const existing = await existingConfig(cwd);
  if (existing) {
    writeLine(
      process.stderr,
      `${existing} already exists: uai init never overwrites a config (nothing was written). Edit it, or remove it and run uai init again.`,
    );
    return 2;
  }
  const listing = await listFolder(cwd);
  const detection = detectModels(listing);
  const notes = [
    ...detection.notes,
    ...(listing.truncated ? [`stopped looking after ${listing.files.length} files; run uai init in the project's folder`] : []),
  ];
  if (detection.proposals.length === 0) {
    writeLine(process.stderr, nothingFoundMessage(notes, []));
    return 2;
  }
  for (const note of notes) writeLine(process.stderr, `note: ${note}`);

  let decided: Decided | undefined;
  try {
    decided = await decide(flags, env, detection, listing);
  } catch (error) {
    if (!(error instanceof Cancelled)) throw error;
    writeLine(process.stderr, 'Cancelled: nothing was written.');
    return 130;
  }
  if (!decided) return 2;
  const entries = detection.proposals.flatMap((proposal, index) => entryFor(proposal, decided.choices[index]!) ?? []);
  const skipped = detection.proposals.flatMap((proposal, index) => {
    const choice = decided.choices[index]!;
    return 'skip' in choice ? [`${folderLabel(proposal.codeFolder)}: ${choice.skip}`] : [];
  });
  if (entries.length === 0) {
    writeLine(process.stderr, nothingFoundMessage(notes, skipped));
    return 2;
  }
  for (const line of skipped) writeLine(process.stderr, `left out ${line}`);

  const models = await validated(cwd, decided.namespace, entries, env);
  try {
    // `wx`: a config someone wrote while the questions were open is not replaced either.
    await writeFile(path.join(cwd, configName), configSource({ namespace: decided.namespace, models }), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    writeLine(process.stderr, `${configName} appeared while uai init ran: it was left as it is (nothing was written).`);
    return 2;
  }
  const gitignore = await ignoreUaiFolder(cwd);
  for (const line of writtenReport(configName, { namespace: decided.namespace, namespaceAsked: decided.asked, models }, gitignore))
    writeLine(process.stdout, line);
  return 0;
}
