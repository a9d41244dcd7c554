import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Lines that already keep `.uai/` out of git (at the root, or at any depth). */
const ignoresUai = /^\/?\.uai\/?$/;

/**
 * `.gitignore`'s text with `.uai/` added, or undefined when a line ignores it already. Existing text
 * is kept as it is; a last line without its newline gets one first.
 */
export function withUaiIgnored(existing: string | undefined): string | undefined {
  const text = existing ?? '';
  if (text.split(/\r?\n/).some((line) => ignoresUai.test(line.trim()))) return undefined;
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${separator}.uai/\n`;
}

export type GitignoreChange = 'created' | 'added' | 'present';

/** Adds `.uai/` to `<dir>/.gitignore`, creating the file when there is none. */
export async function ignoreUaiFolder(dir: string): Promise<GitignoreChange> {
  const file = path.join(dir, '.gitignore');
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const updated = withUaiIgnored(existing);
  if (updated === undefined) return 'present';
  await writeFile(file, updated);
  return existing === undefined ? 'created' : 'added';
}
