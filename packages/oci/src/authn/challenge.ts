/** A `WWW-Authenticate` challenge: `Basic realm="..."` or `Bearer realm="...",service="...",scope="..."`. */
export interface AuthChallenge {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
}

/** Parses one challenge (registries send one); quoted values may hold commas. */
export function parseChallenge(header: string | null | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  for (let m = re.exec(match[2]!); m; m = re.exec(match[2]!)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** The challenge of a registry that takes Basic credentials (what a ping answered 200 with them means). */
export const basicChallenge = 'Basic realm="registry"';

/** Whether a `WWW-Authenticate` header asks for Basic credentials. */
export function isBasicChallenge(header: string | string[] | undefined): boolean {
  return parseChallenge(Array.isArray(header) ? header[0] : header)?.scheme === 'basic';
}
