import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import type Handlebars from 'handlebars';
import { userCacheDir } from '../config/compile-cache.js';

/** Bumped when what is cached changes shape. */
const cacheVersion = 1;

/**
 * A template compiled by `env`, from the user's cache of precompiled templates when it has this source:
 * Handlebars' parser and compiler are about 25 ms of every run for the two built-in templates, and
 * loading their precompiled form about 1 ms. The cache is keyed by the Handlebars version, the options
 * and the source, so an edited template compiles anew. Errors in the template throw here, as
 * `compile` would at first use.
 */
export function precompiledTemplate(env: typeof Handlebars, source: string, options: CompileOptions): Handlebars.TemplateDelegate {
  const key = createHash('sha256')
    .update(`${cacheVersion}\0${env.VERSION}\0${JSON.stringify(options)}\0${source}`)
    .digest('hex');
  const file = path.join(userCacheDir('templates'), `${key}.js`);
  const load = (spec: string) => env.template(vm.runInThisContext(`(${spec})`, { filename: file }) as Spec);
  try {
    return load(readFileSync(file, 'utf8'));
  } catch {
    // Not cached yet, or a damaged entry: compile from the source (its errors are the template's).
    // A copy: Handlebars adds its own settings to the options it is given. The spec is JavaScript
    // source, typed as the object it evaluates to.
    const spec = String(env.precompile(source, { ...options }));
    writeAtomicallySync(file, spec);
    return load(spec);
  }
}

type CompileOptions = Parameters<typeof Handlebars.precompile>[1];
type Spec = Parameters<typeof Handlebars.template>[0];

function writeAtomicallySync(file: string, contents: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temp, contents);
    renameSync(temp, file);
  } catch {
    // A read-only cache only costs the next run a compile.
  }
}
