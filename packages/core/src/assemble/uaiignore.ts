import ignore from 'ignore';
import { readFile } from 'node:fs/promises';
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
  let source: string | undefined;
  try {
    source = await readFile(path.join(packDir, ignoreFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const uaiDir = path.relative(packDir, projectPaths(root).uaiDir);
  const inside = !uaiDir.startsWith('..') && !path.isAbsolute(uaiDir);
  return createIgnore(source, ['.git', ...(inside ? [uaiDir.split(path.sep).join('/')] : [])]);
}
