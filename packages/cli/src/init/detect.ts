import { identifiers } from '@uai/core';
import { modelSetsIn, xgboostFilesIn, type ModelGuess } from './model-files.js';
import { modelNames } from './names.js';
import { classDoubt, rankClasses, type ClassGuess } from './python-classes.js';

/** What detection reads: file paths only, and the text of the .py files. */
export interface Listing {
  /** The current folder's own name: a model whose code is the folder itself is named after it. */
  rootName: string;
  /** Every file under the folder, as a relative POSIX path (`code/checkpoint_dir/x.caffemodel`). */
  files: readonly string[];
  /** The text of .py files, by path. */
  python: Readonly<Record<string, string>>;
}

/** One model to write: its code folder, and the guesses for its model files and main class, best first. */
export interface Proposal {
  /** '.' (the current folder) or the name of a direct subfolder: the model's packFilePath. */
  codeFolder: string;
  name: string;
  /** At least one. */
  models: ModelGuess[];
  /** Why `models[0]` may not be the model: undefined when it surely is. */
  modelDoubt?: string;
  /** Possibly none. */
  classes: ClassGuess[];
  /** Why `classes[0]` may not be the main class (or there is none): undefined when it surely is. */
  classDoubt?: string;
}

export interface Detection {
  proposals: Proposal[];
  /** Files that look like parts of a model the plugins would not take, and why. */
  notes: string[];
}

/** Folders never searched: hidden ones (.git, .uai, .venv), installed packages, Python's caches. */
export function isSkippedFolder(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules' || name === '__pycache__';
}

interface Tree {
  /** File names directly in each folder ('.' is the root). */
  files: Map<string, string[]>;
  /** Subfolder names directly in each folder. */
  folders: Map<string, Set<string>>;
}

function treeOf(paths: readonly string[]): Tree {
  const tree: Tree = { files: new Map(), folders: new Map() };
  for (const file of [...paths].sort()) {
    const parts = file.split('/');
    if (parts.slice(0, -1).some(isSkippedFolder)) continue;
    let folder = '.';
    for (const part of parts.slice(0, -1)) {
      if (!tree.folders.has(folder)) tree.folders.set(folder, new Set());
      tree.folders.get(folder)!.add(part);
      folder = folder === '.' ? part : `${folder}/${part}`;
    }
    if (!tree.files.has(folder)) tree.files.set(folder, []);
    tree.files.get(folder)!.push(parts[parts.length - 1]!);
  }
  return tree;
}

const under = (folder: string, relative: string) => (folder === '.' ? relative : `${folder}/${relative}`);

function classesOf(folder: string, listing: Listing, files: ReadonlySet<string>): ClassGuess[] {
  const prefix = folder === '.' ? '' : `${folder}/`;
  const sources = Object.entries(listing.python)
    .filter(([file]) => file.startsWith(prefix) && !file.split('/').slice(0, -1).some(isSkippedFolder))
    .map(([file, source]) => ({ file: file.slice(prefix.length), source }));
  return rankClasses(sources, (relative) => files.has(under(folder, relative)));
}

/** Guesses of the same model set (an mxnet checkpoint's epochs) count once when saying how many sets there are. */
function setKey(guess: ModelGuess): string {
  return `${guess.framework}\0${guess.modelDir ?? ''}\0${guess.framework === 'mxnet' ? guess.options.modelName : guess.files.join('\0')}`;
}

function describeGuess(guess: ModelGuess): string {
  return `${guess.framework} ${guess.framework === 'xgboost' ? guess.files[0] : `in ${guess.modelDir}/`}`;
}

function modelDoubtOf(guesses: readonly ModelGuess[]): string | undefined {
  const sets = new Map(guesses.map((guess) => [setKey(guess), guess]));
  if (sets.size > 1) return `${sets.size} model sets found: ${[...sets.values()].map(describeGuess).join(', ')}`;
  return guesses[0]!.doubt;
}

/**
 * Model guesses of one code folder: model sets in each of its subfolders (its modelDir), and xgboost
 * files beside its code. An xgboost file in a direct subfolder `D` of the current folder could be
 * `D`'s own (modelName `x.model`) or the current folder's (`D/x.model`): it goes with the folder
 * that has Python classes, `D` when both do.
 */
function modelsOf(folder: string, tree: Tree, hasClasses: (folder: string) => boolean, notes: string[]): ModelGuess[] {
  const guesses: ModelGuess[] = [];
  for (const sub of [...(tree.folders.get(folder) ?? [])].sort()) {
    if (isSkippedFolder(sub)) continue;
    const holder = under(folder, sub);
    const unsafe = identifiers.unsafeRelativePath(sub);
    if (unsafe) {
      if (tree.files.has(holder)) notes.push(`${holder}/: a folder name the config cannot hold (${unsafe})`);
      continue;
    }
    const xgboost = folder !== '.' || !hasClasses(holder);
    const found = modelSetsIn(sub, tree.files.get(holder) ?? [], { xgboost, shownFrom: folder });
    guesses.push(...found.guesses);
    notes.push(...found.notes);
  }
  if (folder === '.' || hasClasses(folder)) guesses.push(...xgboostFilesIn('', tree.files.get(folder) ?? []));
  // Guesses with no doubt of their own first; otherwise in folder and framework order (stable).
  return guesses.sort((a, b) => Number(a.doubt !== undefined) - Number(b.doubt !== undefined));
}

/** A code folder as messages and prompts name it: `this folder` for `.`, else `dir/`. */
export function folderLabel(folder: string): string {
  return folder === '.' ? 'this folder' : `${folder}/`;
}

/**
 * Finds the models in a folder, from its listing alone (no file system): one proposal per code folder
 * (the folder itself, or a direct subfolder) whose own subfolder holds model files a plugin takes.
 */
export function detectModels(listing: Listing): Detection {
  const tree = treeOf(listing.files);
  const files = new Set(listing.files);
  const codeFolders = ['.', ...[...(tree.folders.get('.') ?? [])].filter((name) => !isSkippedFolder(name) && !identifiers.unsafeRelativePath(name)).sort()];
  const classes = new Map(codeFolders.map((folder) => [folder, classesOf(folder, listing, files)]));
  const hasClasses = (folder: string) => (classes.get(folder)?.length ?? 0) > 0;
  const notes: string[] = [];
  const found = codeFolders.flatMap((folder) => {
    const models = modelsOf(folder, tree, hasClasses, notes);
    if (models.length === 0) return [];
    const ranked = classes.get(folder)!;
    return [{ codeFolder: folder, models, modelDoubt: modelDoubtOf(models), classes: ranked, classDoubt: classDoubt(ranked, folderLabel(folder)) }];
  });
  const names = modelNames(
    found.map((proposal) => proposal.codeFolder),
    listing.rootName,
  );
  const proposals = found.map((proposal, index) => withoutUndefined({ ...proposal, name: names[index]! }));
  return { proposals, notes: [...new Set(notes)] };
}

/** Leaves unset keys out, so a proposal prints and compares as written. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/** Where detection looks, for a message when it finds nothing. */
export const whatInitLooksFor = [
  'caffe: X.prototxt + X.caffemodel',
  'tensorflow: saved_model.pb, or a checkpoint (checkpoint, or X.index + X.data-*), or a .pb graph',
  'keras: X.h5 with X.json or X.yaml (or X.h5 alone)',
  'mxnet: X-symbol.json + X-NNNN.params',
  'xgboost: a .model, .bst, .xgb or .ubj file (or xgb*.json / xgb*.bin), beside the code or in its subfolder',
].map((line) => `  ${line}`);
