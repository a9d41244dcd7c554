import ignore from 'ignore';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectPaths } from '../plan/paths.js';

export const ignoreFileName = '.uaiignore';

/**
 * `.dockerignore` rules as a gitignore matcher: Docker anchors every pattern at the context root
 * (`foo` is only `./foo`), gitignore matches a bare name at any depth, so each pattern gets a leading `/`.
 */
export function dockerignoreToGitignore(source: string): string[] {
  return source
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^(\.\/)+/, '').replace(/^\/+/, '');
      return `${negated ? '!' : ''}/${pattern}`;
    });
}

export type IgnorePredicate = (relative: string, isDir: boolean) => boolean;

/** A predicate for paths relative to the packed folder. Pure: give it the file's text. */
export function createIgnore(source: string | undefined, alwaysIgnored: readonly string[] = []): IgnorePredicate {
  // A batch of hundreds of models mostly shares the same rules (none): each set is compiled once.
  const key = JSON.stringify([source ?? '', alwaysIgnored]);
  let predicate = compiled.get(key);
  if (!predicate) {
    predicate = compileIgnore(source, alwaysIgnored);
    compiled.set(key, predicate);
  }
  return predicate;
}

const compiled = new Map<string, IgnorePredicate>();

function compileIgnore(source: string | undefined, alwaysIgnored: readonly string[]): IgnorePredicate {
  const matcher = ignore().add(dockerignoreToGitignore(source ?? ''));
  const always = new Set([ignoreFileName, ...alwaysIgnored]);
  return (relative, isDir) => always.has(relative) || matcher.ignores(isDir ? `${relative}/` : relative);
}

/**
 * The ignore rules of a packed folder: its `.uaiignore`, plus its `.git/` (history is no part of a
 * service) and the project's own `.uai/` folder when it lies inside (packing `.` must not pack the
 * build folder into itself).
 */
export async function loadIgnore(packDir: string, root: string): Promise<IgnorePredicate> {
  const file = path.join(packDir, ignoreFileName);
  // Small, and looked for per model (see realpathIfExists); most folders have none, and a failed read costs an error's stack.
  const source = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const uaiDir = path.relative(packDir, projectPaths(root).uaiDir);
  const inside = !uaiDir.startsWith('..') && !path.isAbsolute(uaiDir);
  return createIgnore(source, ['.git', ...(inside ? [uaiDir.split(path.sep).join('/')] : [])]);
}
