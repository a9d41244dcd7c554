import type { TransformOptions, TransformResult } from 'jiti';
import { createRequire } from 'node:module';
import path from 'node:path';

type Transform = (options: TransformOptions) => TransformResult;

const require = createRequire(import.meta.url);
let babel: Transform | undefined;

/** jiti's own transform (Babel), for what esbuild's CommonJS output cannot express. */
function jitiBabel(): Transform {
  // Not in jiti's exports map; it is the file jiti itself loads when no transform is given.
  babel ??= require(path.join(path.dirname(require.resolve('jiti/package.json')), 'dist', 'babel.cjs')) as Transform;
  return babel;
}

/**
 * Compiles a config (and the TypeScript files it imports) to the CommonJS jiti evaluates. esbuild does it
 * in a few milliseconds where jiti's Babel needs about 0.3 s to load: that is paid on every build after
 * the config changed (jiti caches by content). Babel still handles what esbuild's CommonJS cannot:
 * `import.meta` and top-level `await`.
 */
/**
 * The config (or a file it imports) as CommonJS, compiled by esbuild; undefined when esbuild cannot
 * express it (top-level `await`, `import.meta`) or is missing.
 */
export function compileWithEsbuild(source: string, filename: string): string | undefined {
  const ext = path.extname(filename);
  const loader = /^\.[cm]?ts$/.test(ext) ? 'ts' : /^\.[cm]?js$/.test(ext) ? 'js' : undefined;
  if (!loader || /\bimport\.meta\b/.test(source)) return undefined;
  try {
    const esbuild = require('esbuild') as typeof import('esbuild');
    return esbuild.transformSync(source, { loader, format: 'cjs', target: 'node20', sourcefile: filename, logLevel: 'silent' }).code;
  } catch {
    return undefined;
  }
}

export function transformConfigSource(options: TransformOptions): TransformResult {
  const code = compileWithEsbuild(options.source, options.filename ?? '');
  return code === undefined ? jitiBabel()(options) : { code };
}
