/**
 * Formats a zod-style path array as `models[1].modelName`. A key that is not a plain name (an unknown
 * key with a space, a dot or a newline in it) is quoted, `models[0]["main class"]`, so it reads as one key.
 */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(typeof part === 'symbol' ? part.toString() : part)}]`;
  }
  return out;
}

/** A value quoted for a message: escaped (a newline shows as \n), and cut short when long. */
export function quoteValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}
