import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isSkippedFolder, type Listing } from './detect.js';

/**
 * How deep to look: code folders are the folder or its subfolders, model folders one below them; the
 * rest is for Python packages (`pkg/sub/module.py`). Deeper files cannot change what init writes.
 */
const maxFolderDepth = 4;
/** Enough for any code project; a home folder or a data set is not walked to its end. */
const maxFiles = 20_000;
/** A .py file is read only this far: class definitions are near the top, and data-as-code is not ours. */
const maxPythonBytes = 512 * 1024;

async function readStart(file: string, bytes: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** A symlink counts as the file it points to; a link to a folder is not followed (no loops, no leaving the project). */
async function isFileEntry(full: string, entry: { isFile(): boolean; isSymbolicLink(): boolean }): Promise<boolean> {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  return (await stat(full).catch(() => undefined))?.isFile() ?? false;
}

/** The files under `dir` that detection reads, and the text of its .py files: the one place init reads the tree. */
export async function listFolder(dir: string): Promise<Listing & { truncated: boolean }> {
  const files: string[] = [];
  const python: Record<string, string> = {};
  let truncated = false;
  const walk = async (relative: string, depth: number): Promise<void> => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(dir, child);
      if (entry.isDirectory()) {
        if (depth < maxFolderDepth && !isSkippedFolder(entry.name)) await walk(child, depth + 1);
      } else if (await isFileEntry(full, entry)) {
        if (files.length >= maxFiles) {
          truncated = true;
          return;
        }
        files.push(child);
        if (entry.name.endsWith('.py')) python[child] = await readStart(full, maxPythonBytes).catch(() => '');
      }
    }
  };
  await walk('', 0);
  return { rootName: path.basename(path.resolve(dir)), files, python, truncated };
}
