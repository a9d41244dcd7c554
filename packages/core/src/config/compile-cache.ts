import { createHash } from 'node:crypto';
import { writeFileAtomic } from '@uai/oci';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { compileWithEsbuildAsync } from './transform.js';

/** `$XDG_CACHE_HOME/uai/<name>` or `~/.cache/uai/<name>`: the user's own, never the project's or a shared /tmp. */
export function userCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'uai', name);
}

/** Bumped when what is cached changes shape. */
const cacheVersion = 1;

const isNodeBuiltin = (id: string) => id.startsWith('node:') || builtinModules.includes(id);

/**
 * Whether compiled code can run with a plain `require`: it asks only for `@uai/core` and Node's own
 * modules, by name. Anything else (a relative file, a package, a computed name, `import()`) is jiti's.
 */
function needsOnlyCoreAndNode(code: string): boolean {
  // A computed name, require.resolve and friends, or a dynamic import(): not for a plain require.
  if (/\brequire\s*\(\s*[^"\s]|\brequire\s*\.|\bimport\s*\(/.test(code)) return false;
  return [...code.matchAll(/\brequire\s*\(\s*"([^"]*)"\s*\)/g)].every(([, id]) => id === '@uai/core' || isNodeBuiltin(id!));
}

/**
 * Loads a config that imports nothing but `@uai/core` and Node's own modules (most do) without jiti:
 * its compiled CommonJS is kept in the user's cache, keyed by the config's path and text, and run
 * with `@uai/core` bound to the running engine. Loading jiti is about 60 ms of every run. Returns
 * undefined for any other config (jiti loads it).
 */
export async function loadSimpleConfig(
  filepath: string,
  source: string,
  core: unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ exported: unknown } | undefined> {
  const key = createHash('sha256').update(`${cacheVersion}\0${filepath}\0${source}`).digest('hex');
  const cached = path.join(userCacheDir('configs', env), `${key}.cjs`);
  let code = await readFile(cached, 'utf8').catch(() => undefined);
  if (code === undefined) {
    code = await compileWithEsbuildAsync(source, filepath);
    if (code === undefined || !needsOnlyCoreAndNode(code)) return undefined;
    await writeFileAtomic(cached, code).catch(() => {}); // a read-only cache only costs the next run a compile
    await pruneOldEntries(path.dirname(cached)).catch(() => {});
  }
  const module = { exports: {} as Record<string, unknown> };
  const nodeRequire = createRequire(filepath);
  const run = vm.compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: filepath }) as (...args: unknown[]) => void;
  run(module.exports, (id: string) => (id === '@uai/core' ? core : nodeRequire(id)), module, filepath, path.dirname(filepath));
  const exported = module.exports;
  return { exported: exported && exported.__esModule ? exported.default : exported };
}

/** A compiled config this old is removed when another is written (each edit of a config adds one). */
const compiledConfigLifetimeMs = 30 * 24 * 60 * 60 * 1000;

async function pruneOldEntries(dir: string, now = Date.now()): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.cjs')) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && info.mtimeMs < now - compiledConfigLifetimeMs) await rm(file, { force: true });
  }
}
