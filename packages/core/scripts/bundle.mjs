// Bundles @uai/core (and what it imports on every run: @uai/oci, zod, listr2, handlebars, cosmiconfig,
// ignore) into a few ES module files, as vite ships its own dependencies pre-bundled. Node 20 loads
// an ES module graph file by file: the unbundled engine was about 300 files and most of a small
// build's start-up. tsc still type-checks and writes the .d.ts files; this writes the .js.
//
// Left out (loaded on first use, or never by most runs): jiti and esbuild (TypeScript configs), execa (the Docker
// builder), undici (the native builder's registry client), typescript (cosmiconfig's optional loader).
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * zod's `z.locales` holds error messages in 60-odd languages, a quarter of the bundle, parsed on every
 * run. `uai` speaks English: the namespace keeps `en` only (docs/plugins.md says so).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'zod-english-only' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: root,
    }));
  },
};
const outdir = `${root}dist`;

// tsc writes only declarations (emitDeclarationOnly); .js left from an earlier build must not linger.
for (const file of readdirSync(outdir, { recursive: true, encoding: 'utf8' })) {
  if (/\.js(\.map)?$/.test(file)) rmSync(`${outdir}/${file}`);
}

await build({
  absWorkingDir: root,
  entryPoints: ['src/index.ts', 'src/light.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // @uai/core itself: the config loader hands configs this very module, by its package name.
  external: ['@uai/core', 'jiti', 'esbuild', 'execa', 'undici', 'undici/*', 'typescript'],
  // CommonJS dependencies (handlebars, cosmiconfig) call require() for Node's own modules.
  banner: { js: "import { createRequire as __uaiCreateRequire } from 'node:module';\nconst require = __uaiCreateRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  legalComments: 'linked',
  // Whitespace and syntax only: a third less to parse on every start, while names stay as written, so
  // stack traces still say which function failed (and the source map says where).
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [zodEnglishOnly],
});
