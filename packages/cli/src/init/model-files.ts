import { identifiers } from '@uai/core';
import path from 'node:path';

export type Framework = 'caffe' | 'tensorflow' | 'keras' | 'mxnet' | 'xgboost';

/** One way to read some files as a model: what the config needs for it, and why it was read so. */
export interface ModelGuess {
  framework: Framework;
  /** Relative to packFilePath; xgboost has none (its modelName is the file). */
  modelDir?: string;
  /** The framework's own keys, as its plugin takes them. */
  options: Record<string, string | number | boolean>;
  /** The files behind the guess, relative to packFilePath. */
  files: string[];
  /** What was recognised, in a few words. */
  why: string;
  /** Why this guess may be wrong even when it is the only one, if it may. */
  doubt?: string;
}

interface FolderGuesses {
  guesses: ModelGuess[];
  /** Files that look like part of a model but are not one the plugins would take (a weight without its architecture). */
  notes: string[];
}

const join = (dir: string, name: string) => (dir ? path.posix.join(dir, name) : name);

/** Says something about a file of the folder being read. */
type Note = (file: string, text: string) => void;
const baseOf = (name: string, ext: string) => name.slice(0, -ext.length);

function caffe(dir: string, names: ReadonlySet<string>, note: Note): ModelGuess[] {
  const guesses: ModelGuess[] = [];
  for (const name of names) {
    if (!name.endsWith('.caffemodel')) continue;
    const base = baseOf(name, '.caffemodel');
    if (!names.has(`${base}.prototxt`)) {
      note(name, `has no ${base}.prototxt beside it (caffe needs both, with one base name)`);
    } else if (!identifiers.fileNamePattern.test(base)) {
      note(name, `cannot be caffe's modelName "${base}" (letters, digits, _ . + - only)`);
    } else {
      const files = [`${base}.prototxt`, name].map((file) => join(dir, file));
      guesses.push({ framework: 'caffe', modelDir: dir, options: { modelName: base }, files, why: 'caffe .prototxt + .caffemodel' });
    }
  }
  return guesses;
}

/** One guess per folder at most: the tensorflow plugin needs only the folder, and the user's code picks the files. */
function tensorflow(dir: string, names: ReadonlySet<string>, note: Note): ModelGuess[] {
  const all = [...names];
  const guess = (files: string[], why: string): ModelGuess[] => [
    { framework: 'tensorflow', modelDir: dir, options: {}, files: files.map((f) => join(dir, f)), why },
  ];
  const savedModel = ['saved_model.pb', 'saved_model.pbtxt'].find((name) => names.has(name));
  if (savedModel) return guess([savedModel], 'TensorFlow SavedModel');
  const prefixes = all.filter((name) => name.endsWith('.index')).map((name) => baseOf(name, '.index'));
  const complete = prefixes.filter((prefix) => all.some((name) => name.startsWith(`${prefix}.data-`)));
  if (names.has('checkpoint') || complete.length > 0) {
    const files = [...(names.has('checkpoint') ? ['checkpoint'] : []), ...complete.map((prefix) => `${prefix}.index`)];
    return guess(files, 'TensorFlow checkpoint');
  }
  const orphan = all.find((name) => /\.data-\d+-of-\d+$/.test(name));
  if (orphan) note(orphan, 'is checkpoint data without its .index file (or a checkpoint file) beside it');
  const graphs = all.filter((name) => name.endsWith('.pb'));
  return graphs.length > 0 ? guess(graphs, 'TensorFlow graph (.pb)') : [];
}

function keras(dir: string, names: ReadonlySet<string>, note: Note): ModelGuess[] {
  const guesses: ModelGuess[] = [];
  for (const name of names) {
    if (/\.(hdf5|keras)$/.test(name)) note(name, 'is not loaded by the keras plugin, which takes <modelName>.h5: rename it to use it');
    if (!name.endsWith('.h5')) continue;
    const base = baseOf(name, '.h5');
    if (!identifiers.fileNamePattern.test(base)) {
      note(name, `cannot be keras's modelName "${base}" (letters, digits, _ . + - only)`);
      continue;
    }
    const archType = ['json', 'yaml'].find((ext) => names.has(`${base}.${ext}`));
    if (archType) {
      const files = [`${base}.${archType}`, name].map((file) => join(dir, file));
      const options = { modelName: base, allOneFile: false, modelArchType: archType };
      guesses.push({ framework: 'keras', modelDir: dir, options, files, why: `keras .${archType} architecture + .h5 weights` });
    } else {
      guesses.push({
        framework: 'keras',
        modelDir: dir,
        options: { modelName: base, allOneFile: true },
        files: [join(dir, name)],
        why: 'keras .h5 (architecture and weights in one file)',
        doubt: `${join(dir, name)} has no ${base}.json or ${base}.yaml beside it: taken as one file holding architecture and weights (allOneFile)`,
      });
    }
  }
  return guesses;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One guess per saved epoch, the latest first: MXNet saves a checkpoint per epoch and the latest is the usual pick. */
function mxnet(dir: string, names: ReadonlySet<string>, note: Note): ModelGuess[] {
  const guesses: ModelGuess[] = [];
  const prefixes = [...names].filter((name) => name.endsWith('-symbol.json')).map((name) => baseOf(name, '-symbol.json'));
  for (const prefix of prefixes) {
    const params = new RegExp(`^${escapeRegExp(prefix)}-(\\d{4})\\.params$`);
    const epochs = [...names]
      .map((name) => params.exec(name)?.[1])
      .filter((epoch): epoch is string => epoch !== undefined)
      .sort()
      .reverse();
    if (epochs.length === 0) note(`${prefix}-symbol.json`, `has no ${prefix}-NNNN.params beside it`);
    else if (!identifiers.fileNamePattern.test(prefix)) note(`${prefix}-symbol.json`, `cannot be mxnet's modelName "${prefix}"`);
    else {
      const doubt = epochs.length > 1 ? `${epochs.length} epochs saved (${epochs.map(Number).join(', ')}): took the latest` : undefined;
      for (const epoch of epochs) {
        const files = [`${prefix}-symbol.json`, `${prefix}-${epoch}.params`].map((file) => join(dir, file));
        const options = { modelName: prefix, numEpoch: Number(epoch) };
        guesses.push({ framework: 'mxnet', modelDir: dir, options, files, why: `MXNet checkpoint, epoch ${Number(epoch)}`, ...(doubt ? { doubt } : {}) });
      }
    }
  }
  for (const name of names) {
    const prefix = /^(.+)-\d{4}\.params$/.exec(name)?.[1];
    if (prefix && !prefixes.includes(prefix)) note(name, `has no ${prefix}-symbol.json beside it`);
  }
  return guesses;
}

/**
 * XGBoost's model file extensions. `.json` and `.bin` say nothing on their own (a keras architecture,
 * PyTorch weights), so those count only when the name says xgb.
 */
const xgboostFile = /\.(model|bst|xgb|ubj)$|xgb[^/]*\.(json|bin)$/i;

/** XGBoost model files directly in `dir` (relative to packFilePath; '' for packFilePath itself). */
export function xgboostFilesIn(dir: string, names: Iterable<string>): ModelGuess[] {
  const guesses: ModelGuess[] = [];
  for (const name of names) {
    if (!xgboostFile.test(name)) continue;
    const file = join(dir, name);
    if (identifiers.unsafeRelativePath(file)) continue;
    guesses.push({ framework: 'xgboost', options: { modelName: file }, files: [file], why: 'XGBoost model file' });
  }
  return guesses;
}

/**
 * The model sets among the files directly in `dir` (a model folder, relative to packFilePath), as the
 * plugins' file checks want them: caffe, tensorflow, keras and mxnet; xgboost only with `xgboost`.
 */
export function modelSetsIn(dir: string, fileNames: readonly string[], options: { xgboost: boolean; shownFrom?: string }): FolderGuesses {
  // Sorted, so the same files give the same guesses in the same order on every machine.
  const names = new Set([...fileNames].sort());
  const notes: string[] = [];
  // Notes name files from the current folder, as the user sees them.
  const shownDir = options.shownFrom && options.shownFrom !== '.' ? join(options.shownFrom, dir) : dir;
  const note: Note = (file, text) => notes.push(`${join(shownDir, file)} ${text}`);
  const guesses = [
    ...caffe(dir, names, note),
    ...tensorflow(dir, names, note),
    ...keras(dir, names, note),
    ...mxnet(dir, names, note),
    ...(options.xgboost ? xgboostFilesIn(dir, names) : []),
  ];
  return { guesses, notes };
}
