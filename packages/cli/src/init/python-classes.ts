import { identifiers } from '@uai/core';
import path from 'node:path';

/** A top-level class of a Python file. */
interface PythonClass {
  name: string;
  /** The text between the parentheses of `class X(...)`, '' without. */
  bases: string;
  /** Defines `execute`, the method the platform's server calls per request. */
  hasExecute: boolean;
}

/** A class that could be the model's `mainClass`, with `mainModule` to import it from. */
export interface ClassGuess {
  mainModule: string;
  mainClass: string;
  /** The .py file, relative to packFilePath. */
  file: string;
  /** 0 plain class, 1 has `execute`, 2 extends a `*AiUcloudModel` base, 3 both. */
  score: number;
  why: string;
}

const classHeader = /^class[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\(([^)]*)\))?[ \t]*:/gm;
/** The next line that starts at column 0 and is code, not a comment: the end of a class body. */
const topLevelLine = /\n(?=[^\s#])/g;
const executeMethod = /^[ \t]+def[ \t]+execute[ \t]*\(/m;

/**
 * The top-level classes a Python source defines, read from the text (no Python needed): `class X(...):`
 * at column 0, its body up to the next top-level statement.
 */
export function classesIn(source: string): PythonClass[] {
  const text = source.replace(/\r\n?/g, '\n');
  const classes: PythonClass[] = [];
  for (const match of text.matchAll(classHeader)) {
    const start = match.index + match[0].length;
    topLevelLine.lastIndex = start;
    const end = topLevelLine.exec(text)?.index ?? text.length;
    classes.push({ name: match[1]!, bases: (match[2] ?? '').replace(/\s+/g, ' ').trim(), hasExecute: executeMethod.test(text.slice(start, end)) });
  }
  return classes;
}

/** Files that define classes no server instantiates: packaging and tests. */
function isNotServingCode(file: string): boolean {
  const name = path.posix.basename(file);
  return name === 'setup.py' || name === 'conftest.py' || /^test_.*\.py$/.test(name) || /_test\.py$/.test(name);
}

/**
 * The module the server would import for `file` (relative to packFilePath), or undefined when Python
 * could not import it by a name: `a/b.py` is `a.b` only if `a/` is a package (has `__init__.py`: the
 * platform's Python 2.7 has no namespace packages), and every part must be an identifier.
 */
export function moduleNameOf(file: string, isFile: (relative: string) => boolean): string | undefined {
  if (!file.endsWith('.py')) return undefined;
  const parts = file.slice(0, -'.py'.length).split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  if (parts.length === 0) return undefined;
  for (let depth = 1; depth < file.split('/').length; depth += 1) {
    const folder = file.split('/').slice(0, depth).join('/');
    if (!isFile(`${folder}/__init__.py`)) return undefined;
  }
  const module = parts.join('.');
  return identifiers.pythonModulePattern.test(module) ? module : undefined;
}

/** Code-point order: the same on every machine, whatever its locale. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function scoreOf(candidate: PythonClass): { score: number; why: string } {
  const base = /AiUcloudModel\b/.test(candidate.bases);
  const score = (base ? 2 : 0) + (candidate.hasExecute ? 1 : 0);
  const reasons = [...(base ? [`extends ${candidate.bases}`] : []), ...(candidate.hasExecute ? ['has execute()'] : [])];
  return { score, why: reasons.length > 0 ? reasons.join(', ') : 'a class (no *AiUcloudModel base, no execute())' };
}

/**
 * Every class of the code folder's importable .py files that could be `mainClass`, best first: one
 * that extends the platform's `*AiUcloudModel` base classes, then one with an `execute` method, then
 * the rest; among equals, the shallower module, then by name.
 */
export function rankClasses(sources: ReadonlyArray<{ file: string; source: string }>, isFile: (relative: string) => boolean): ClassGuess[] {
  const guesses: ClassGuess[] = [];
  for (const { file, source } of sources) {
    if (isNotServingCode(file)) continue;
    const mainModule = moduleNameOf(file, isFile);
    if (!mainModule) continue;
    for (const candidate of classesIn(source)) guesses.push({ mainModule, mainClass: candidate.name, file, ...scoreOf(candidate) });
  }
  const depth = (guess: ClassGuess) => guess.mainModule.split('.').length;
  // Stable: one module's classes stay in the order the file defines them.
  return guesses.sort((a, b) => b.score - a.score || depth(a) - depth(b) || byText(a.mainModule, b.mainModule));
}

/** Why the first of `ranked` may not be the model class, or undefined when it clearly is. */
export function classDoubt(ranked: readonly ClassGuess[], folder: string): string | undefined {
  const top = ranked[0];
  if (!top) return `no importable .py file in ${folder} defines a class (mainModule, mainClass)`;
  if (top.score === 0) {
    if (ranked.length === 1) return `the only class found (${top.mainClass}) neither extends a *AiUcloudModel base class nor has an execute() method`;
    return `none of the ${ranked.length} classes found extends a *AiUcloudModel base class or has an execute() method`;
  }
  const tied = ranked.filter((guess) => guess.score === top.score);
  if (tied.length > 1) return `${tied.length} classes look like the model class: ${tied.map((g) => `${g.mainClass} (${g.file})`).join(', ')}`;
  return undefined;
}
