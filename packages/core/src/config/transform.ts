import type { TransformOptions, TransformResult } from 'jiti';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

type Transform = (options: TransformOptions) => TransformResult;

const require = createRequire(import.meta.url);
let babel: Transform | undefined;

// Not in jiti's exports map; it is the file jiti itself loads when no transform is given.
const babelPath = () => path.join(path.dirname(require.resolve('jiti/package.json')), 'dist', 'babel.cjs');

/** jiti's own transform (Babel), for what esbuild's CommonJS output cannot express. */
function jitiBabel(): Transform {
  babel ??= require(babelPath()) as Transform;
  return babel;
}

/**
 * The config (or a file it imports) as CommonJS, compiled by esbuild; undefined when esbuild's output
 * could not run under jiti (top-level `await`, `import.meta`, a dynamic `import()`, which jiti's Babel
 * rewrites to its own loader) or esbuild is missing.
 */
export function compileWithEsbuild(source: string, filename: string): string | undefined {
  const options = esbuildOptions(source, filename);
  if (!options) return undefined;
  try {
    return (require('esbuild') as typeof import('esbuild')).transformSync(source, options).code;
  } catch {
    return undefined;
  }
}

/**
 * `compileWithEsbuild` for a caller that can wait: esbuild's first synchronous call starts a worker
 * thread as well as its service process (about 90 ms here), an asynchronous one only the process (20 ms).
 */
export async function compileWithEsbuildAsync(source: string, filename: string): Promise<string | undefined> {
  const options = esbuildOptions(source, filename);
  if (!options) return undefined;
  try {
    return (await (require('esbuild') as typeof import('esbuild')).transform(source, options)).code;
  } catch {
    return undefined;
  }
}

function esbuildOptions(source: string, filename: string) {
  const ext = path.extname(filename);
  const loader = /^\.[cm]?ts$/.test(ext) ? ('ts' as const) : /^\.[cm]?js$/.test(ext) ? ('js' as const) : undefined;
  if (!loader || /\bimport\.meta\b|\bimport\s*\(/.test(source)) return undefined;
  return { loader, format: 'cjs' as const, target: 'node20', sourcefile: filename, logLevel: 'silent' as const };
}

/**
 * Compiles a config (and the TypeScript files it imports) to the CommonJS jiti evaluates. esbuild does it
 * in a few milliseconds where jiti's Babel needs about 0.3 s to load: that is paid on every build after
 * the config changed (jiti caches by content). Babel still handles what esbuild's output cannot.
 */
export function transformConfigSource(options: TransformOptions): TransformResult {
  const code = compileWithEsbuild(options.source, options.filename ?? '');
  return code === undefined ? jitiBabel()(options) : { code };
}

/**
 * Whether jiti's Babel is where this module looks for it. When a later jiti moves it, `uai` leaves
 * compiling to jiti altogether (slower on a changed config, never broken).
 */
export function canFallBackToBabel(): boolean {
  try {
    return existsSync(babelPath());
  } catch {
    return false;
  }
}
