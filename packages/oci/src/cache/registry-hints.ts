import { readFileSync } from 'node:fs';
import { isLoopbackHost } from '../name/reference.js';
import { writeFileAtomic } from '../write-atomic.js';

/**
 * What an earlier run learnt of a registry: it speaks `scheme`, and its `GET /v2/` took our Basic
 * credentials. A client that knows this sends its first requests at once, credentials and all, instead
 * of waiting a ping's round trips (two, 50 ms away, on every run). Only Basic is remembered: its
 * credentials go to the registry's own host, as they would anyway; a Bearer realm could send them
 * elsewhere, so a Bearer registry is asked each time.
 */
export interface RegistryHint {
  scheme: 'http' | 'https';
  auth: 'basic';
}

/** A hint as given (read from the file), or undefined when it says anything else (plain http only to this machine). */
export function validHint(host: string, value: unknown): RegistryHint | undefined {
  const hint = value as Partial<RegistryHint> | null | undefined;
  if (hint?.auth !== 'basic') return undefined;
  if (hint.scheme === 'https' || (hint.scheme === 'http' && isLoopbackHost(host))) return { scheme: hint.scheme, auth: 'basic' };
  return undefined;
}

/**
 * The user's `registries/hints.json` (in uai's cache folder, never the project's: a project someone else
 * wrote must not tell uai where credentials go): host -> hint. Read once, written when a run learnt
 * something new (merged over the file as it is then); a hint that turned false is dropped.
 */
export class RegistryHints {
  private readonly hints: Map<string, RegistryHint>;
  /** What this run learnt, host by host (undefined: a hint dropped), written over the file as it is then. */
  private readonly changes = new Map<string, RegistryHint | undefined>();

  constructor(private readonly file: string) {
    this.hints = readHints(file);
  }

  get(host: string): RegistryHint | undefined {
    return this.hints.get(host);
  }

  /** What a run learnt of `host`: a hint, or undefined (no Basic login there: nothing to remember). */
  learnt(host: string, hint: RegistryHint | undefined): void {
    const known = this.hints.get(host);
    if (hint ? known?.scheme === hint.scheme : !known) return;
    if (hint) this.hints.set(host, hint);
    else this.hints.delete(host);
    this.changes.set(host, hint);
  }

  /** Writes what changed, over what the file holds now (another run may have written meanwhile). Errors pass: the file is a cache. */
  async save(): Promise<void> {
    if (this.changes.size === 0) return;
    const hints = readHints(this.file);
    for (const [host, hint] of this.changes) {
      if (hint) hints.set(host, hint);
      else hints.delete(host);
    }
    this.changes.clear();
    const registries = Object.fromEntries([...hints].sort(([a], [b]) => a.localeCompare(b)));
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, registries }, null, 2)}\n`).catch(() => {});
  }
}

/** The valid hints of the file; none when there is none, or it cannot be read. */
function readHints(file: string): Map<string, RegistryHint> {
  const hints = new Map<string, RegistryHint>();
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; registries?: Record<string, unknown> };
    for (const [host, value] of Object.entries(data.version === 1 ? (data.registries ?? {}) : {})) {
      const hint = validHint(host, value);
      if (hint) hints.set(host, hint);
    }
  } catch {
    // none yet, or unreadable: it is only a cache
  }
  return hints;
}
