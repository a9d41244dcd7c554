import Handlebars from 'handlebars';
import { UaiError } from '../errors/uai-error.js';
import { dockerfileName } from '../plan/paths.js';
import type { ModelPlan } from '../plan/plan.js';
import { appDir } from '../plan/platform.js';
import { precompiledTemplate } from './template-cache.js';

export interface TemplateSource {
  /** Where it came from, for error messages. */
  path: string;
  source: string;
}

export interface ModelTemplates {
  dockerfile: TemplateSource;
  serviceConfig: TemplateSource;
}

export interface RenderedFile {
  /** Relative to the model's build folder. */
  path: string;
  contents: string;
}

/**
 * A value that is safe as one Dockerfile word: no whitespace, quotes, backslashes, `$` or control
 * characters. Brackets are for IPv6 registry hosts (`[::1]:5000/...`).
 */
const dockerWord = /^[A-Za-z0-9_./:@=+,%[\]-]+$/;

interface Location {
  start: { line: number; column: number };
}

/**
 * Handlebars' strict mode checks `{{name}}` but not the arguments of a helper (`{{docker name}}`,
 * `{{#each env}}`), which would quietly render "undefined" or nothing. Our helpers throw this instead.
 */
class UndefinedValue extends Error {
  constructor(readonly loc: Location | undefined) {
    super('a value the template names is not defined');
  }
}

function defined(value: unknown, options: { loc?: Location }): unknown {
  if (value === undefined) throw new UndefinedValue(options?.loc);
  return value;
}

function createRenderer(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('json', (value: unknown, indent: unknown, options?: { loc?: Location }) => {
    const opts = (options ?? indent) as { loc?: Location };
    return JSON.stringify(defined(value, opts), null, typeof indent === 'number' ? indent : undefined);
  });
  hbs.registerHelper('docker', (value: unknown, options: { loc?: Location }) => {
    const text = String(defined(value, options));
    if (!dockerWord.test(text)) {
      throw new Error(`refusing to put ${JSON.stringify(text)} into a Dockerfile: only letters, digits and ./:@=+,%-_[] are allowed`);
    }
    return text;
  });
  for (const name of ['each', 'with']) {
    const builtin = hbs.helpers[name];
    hbs.registerHelper(name, function (this: unknown, ...args: unknown[]) {
      if (args.length >= 2) defined(args[0], args.at(-1) as { loc?: Location });
      return (builtin as (...helperArgs: unknown[]) => unknown).apply(this, args);
    });
  }
  return hbs;
}

const renderer = createRenderer();

/**
 * Compiled templates by source text. Every model renders the same few templates (and the native
 * builder renders the standard ones again to compare): compiling each once saves most of the render
 * time of a many-model run. The output still depends only on the source and the data.
 */
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function compiledTemplate(source: string): Handlebars.TemplateDelegate {
  let template = compiled.get(source);
  if (!template) {
    // strict: a misspelt variable is an error, not an empty string; noEscape: these are not HTML.
    template = precompiledTemplate(renderer, source, { strict: true, noEscape: true });
    compiled.set(source, template);
  }
  return template;
}

/** The text of the first argument of the helper call at `loc`: the misspelt name, for the message. */
function argumentAt(source: string, loc: Location): string | undefined {
  const visit = (node: unknown): string | undefined => {
    if (typeof node !== 'object' || node === null) return undefined;
    const n = node as { loc?: Location; params?: { original?: unknown }[] };
    if (n.loc?.start.line === loc.start.line && n.loc.start.column === loc.start.column && n.params?.[0]) {
      const original = n.params[0].original;
      if (typeof original === 'string') return original;
    }
    for (const value of Object.values(node)) {
      const found = Array.isArray(value) ? value.map(visit).find(Boolean) : visit(value);
      if (found) return found;
    }
    return undefined;
  };
  try {
    return visit(Handlebars.parse(source));
  } catch {
    return undefined;
  }
}

function compile(template: TemplateSource, data: Record<string, unknown>, model: string): string {
  try {
    return compiledTemplate(template.source)(data);
  } catch (cause) {
    let why = (cause as Error).message;
    if (cause instanceof UndefinedValue && cause.loc) {
      const name = argumentAt(template.source, cause.loc);
      why = `${name ? `"${name}"` : 'a variable'} is not defined - ${cause.loc.start.line}:${cause.loc.start.column}`;
    }
    throw new UaiError(
      'UAI_TEMPLATE_FAILED',
      `Rendering ${template.path} failed: ${why}. Fix the template (it may use: ${Object.keys(data).join(', ')}) or the value it refuses.`,
      { cause, model, step: 'render' },
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first place where `actual` does not hold a value of `expected` unchanged; extra keys are fine. */
function firstDifference(actual: unknown, expected: unknown, at: string): string | undefined {
  if (expected === undefined) return undefined;
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return at;
    for (const [key, value] of Object.entries(expected)) {
      const found = firstDifference(actual[key], value, at ? `${at}.${key}` : key);
      if (found) return found;
    }
    return undefined;
  }
  return JSON.stringify(actual) === JSON.stringify(expected) ? undefined : at;
}

/** Parses the rendered service config back and checks it says what the plan says (a template may add keys). */
export function checkServiceConfig(text: string, plan: ModelPlan, templatePath: string): void {
  const fail = (why: string): never => {
    throw new UaiError(
      'UAI_TEMPLATE_FAILED',
      `The service config rendered from ${templatePath} ${why}. Fix the template: values go in only through {{json ...}}.`,
      { model: plan.name, step: 'render' },
    );
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    fail(`is not valid JSON (${(cause as Error).message})`);
  }
  const expected = plan.serviceConfig ?? {
    http_server: { exec: { main_file: plan.model.mainModule, main_class: plan.model.mainClass } },
  };
  const differs = firstDifference(parsed, expected, '');
  if (differs !== undefined) {
    fail(`does not hold what the config says at ${differs || 'its top level'}`);
  }
}

/** Renders the Dockerfile and, unless the user supplies one, the service config. Pure. */
export function renderModel(plan: ModelPlan, templates: ModelTemplates): RenderedFile[] {
  const dockerfile = compile(
    templates.dockerfile,
    { name: plan.name, baseImage: plan.baseImage, env: plan.env, appDir, configName: plan.configName },
    plan.name,
  );
  const files: RenderedFile[] = [{ path: dockerfileName, contents: dockerfile }];
  if (plan.serviceConfig) {
    const config = compile(templates.serviceConfig, { serviceConfig: plan.serviceConfig }, plan.name);
    checkServiceConfig(config, plan, templates.serviceConfig.path);
    files.push({ path: plan.configName, contents: config.endsWith('\n') ? config : `${config}\n` });
  }
  return files;
}
