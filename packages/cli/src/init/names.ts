/**
 * A folder's name as a model name, image name or UHub namespace: lowercase letters and digits, runs
 * of them joined by one `.`, `_` or `-` (what the config's `name`, Docker's repository grammar and
 * `registry.namespace` all accept). Undefined when nothing of the name is left.
 */
export function safeName(raw: string): string | undefined {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, '-')
    .slice(0, 64)
    .replace(/^[._-]+|[._-]+$/g, '');
  return name === '' ? undefined : name;
}

/** Names that say where code lives, not what it serves: such a folder's model is named after the project. */
const genericFolders = new Set(['code', 'src', 'app', 'source', 'inference', 'service', 'server']);

/**
 * One model name per code folder ('.' is the current folder, named `rootName`), unique: a name taken
 * already gets `-2`, `-3`, ... in folder order.
 */
export function modelNames(folders: readonly string[], rootName: string): string[] {
  const taken = new Set<string>();
  return folders.map((folder) => {
    const own = folder === '.' || genericFolders.has(folder.toLowerCase()) ? rootName : folder;
    const base = safeName(own) ?? safeName(rootName) ?? 'model';
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}-${n}`;
    taken.add(name);
    return name;
  });
}
