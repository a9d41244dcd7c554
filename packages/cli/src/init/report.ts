import type { ModelEntry } from './choose.js';
import type { GitignoreChange } from './gitignore.js';
import { whatInitLooksFor } from './detect.js';

/** What `uai init` wrote: each model with its framework, files and class, then what to run next. */
export function writtenReport(
  configName: string,
  written: { namespace: string; namespaceAsked: boolean; models: readonly ModelEntry[] },
  gitignore: GitignoreChange,
): string[] {
  const { models } = written;
  const lines = [`Wrote ${configName} with ${models.length} model${models.length === 1 ? '' : 's'}:`];
  for (const model of models) {
    lines.push(`  ${model.name}  (${model.framework}, code in ${model.packFilePath}, image ${model.image})`);
    lines.push(`    model files: ${model.files.join(', ')}`);
    lines.push(`    main class:  ${model.mainClass} in ${model.mainModule}`);
    for (const doubt of model.unconfirmed) lines.push(`    guessed:     ${doubt}`);
  }
  lines.push(
    written.namespaceAsked
      ? `registry.namespace: ${written.namespace}`
      : `registry.namespace: ${written.namespace} (from the folder's name: set your UHub repository there)`,
  );
  if (models.some((model) => model.packFilePath === '.')) {
    lines.push('packFilePath "." packs this whole folder: list what the image does not need in a .uaiignore file there.');
  }
  lines.push(
    {
      created: 'Created .gitignore with .uai/ (uai build writes only there).',
      added: 'Added .uai/ to .gitignore (uai build writes only there).',
      present: '.gitignore already ignores .uai/.',
    }[gitignore],
  );
  lines.push(
    'Next:',
    '  uai build --dry-run   check and render every model into .uai/build/ (builds and pushes nothing)',
    '  uai build             build and push; set UHUB_USERNAME and UHUB_PASSWORD first (or docker login)',
  );
  return lines;
}

/** Why nothing was written when no model folder was found, and what init looks for. */
export function nothingFoundMessage(notes: readonly string[], skipped: readonly string[]): string {
  return [
    'uai init found no model to write a config for (nothing was written).',
    'It looks in this folder and each direct subfolder (the code, packFilePath) for a subfolder (modelDir) holding:',
    ...whatInitLooksFor,
    'and for a .py file beside the code that defines the class the server runs (mainModule, mainClass).',
    ...(skipped.length > 0 ? ['Left out:', ...skipped.map((line) => `  ${line}`)] : []),
    ...(notes.length > 0 ? ['Found, but not usable:', ...notes.map((note) => `  ${note}`)] : []),
  ].join('\n');
}

/** Why a run without a terminal and without --yes refuses: the guesses nobody confirmed. */
export function unconfirmedMessage(doubts: readonly string[]): string {
  return [
    `uai init is not sure of ${doubts.length} guess${doubts.length === 1 ? '' : 'es'} and cannot ask (not a terminal); nothing was written:`,
    ...doubts.map((doubt) => `  ${doubt}`),
    'Run uai init in a terminal to answer, or pass --yes to take the guesses.',
  ].join('\n');
}
