import { folderLabel, type Proposal } from './detect.js';
import type { Framework, ModelGuess } from './model-files.js';

/** The main class a model is served by: a guess taken, or what the user typed. */
export interface MainClass {
  mainModule: string;
  mainClass: string;
}

/** What was decided for one proposal: its model files and main class, or to leave it out. */
export type Choice = { model: ModelGuess; main: MainClass; asked: boolean } | { skip: string };

/** One model of the config to write, in the config's terms. */
export interface ModelEntry {
  name: string;
  framework: Framework;
  packFilePath: string;
  mainModule: string;
  mainClass: string;
  modelDir?: string;
  options: ModelGuess['options'];
  image: string;
  /** The files it was made from, relative to packFilePath (for the report, not the config). */
  files: string[];
  /** Doubts about guesses taken without asking the user (written as a comment to check them). */
  unconfirmed: string[];
}

/** The doubts of a proposal, each naming its folder: what a terminal would have asked about. */
export function doubtsOf(proposal: Proposal): string[] {
  const where = folderLabel(proposal.codeFolder);
  return [
    ...(proposal.modelDoubt ? [`${where}: model files: ${proposal.modelDoubt}`] : []),
    ...(proposal.classDoubt ? [`${where}: main class: ${proposal.classDoubt}`] : []),
  ];
}

/**
 * The best guess, as `--yes` takes it. A folder with no class to serve the model is left out: no
 * guess of mainModule would pass `uai build`'s check that its file exists.
 */
export function takeGuesses(proposal: Proposal): Choice {
  const main = proposal.classes[0];
  if (!main) return { skip: proposal.classDoubt ?? 'no main class' };
  return { model: proposal.models[0]!, main: { mainModule: main.mainModule, mainClass: main.mainClass }, asked: false };
}

function packFilePathOf(codeFolder: string): string {
  return codeFolder === '.' ? '.' : `./${codeFolder}`;
}

/** The config's model for a proposal and what was chosen for it; undefined when it was left out. */
export function entryFor(proposal: Proposal, choice: Choice): ModelEntry | undefined {
  if ('skip' in choice) return undefined;
  const { model, main } = choice;
  return {
    name: proposal.name,
    framework: model.framework,
    packFilePath: packFilePathOf(proposal.codeFolder),
    ...main,
    ...(model.modelDir !== undefined ? { modelDir: model.modelDir } : {}),
    options: model.options,
    image: `${proposal.name}:v1`,
    files: model.files,
    unconfirmed: choice.asked ? [] : [proposal.modelDoubt, proposal.classDoubt].filter((doubt): doubt is string => doubt !== undefined),
  };
}
