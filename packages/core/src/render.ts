import Handlebars from 'handlebars';
import { UaiError } from './errors.js';
import { appDir, dockerfileName, type ModelPlan } from './plan.js';

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

/** A value that is safe as one Dockerfile word: no whitespace, quotes, backslashes or control characters. */
const dockerWord = /^[A-Za-z0-9_./:@=+,%-]+$/;

function createRenderer(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('json', (value: unknown, indent: unknown) =>
    JSON.stringify(value, null, typeof indent === 'number' ? indent : undefined),
  );
  hbs.registerHelper('docker', (value: unknown) => {
    const text = String(value);
    if (!dockerWord.test(text)) {
      throw new Error(`refusing to put ${JSON.stringify(text)} into a Dockerfile: only letters, digits and ./:@=+,%-_ are allowed`);
    }
    return text;
  });
  return hbs;
}

const renderer = createRenderer();

function compile(template: TemplateSource, data: object, model: string): string {
  try {
    // strict: a misspelt variable is an error, not an empty string; noEscape: these are not HTML.
    return renderer.compile(template.source, { strict: true, noEscape: true })(data);
  } catch (cause) {
    throw new UaiError('UAI_TEMPLATE_FAILED', `Rendering ${template.path} failed: ${(cause as Error).message}`, {
      cause,
      model,
      step: 'render',
    });
  }
}

/** Parses the rendered service config back and checks it says what the plan says. */
export function checkServiceConfig(text: string, plan: ModelPlan, templatePath: string): void {
  const fail = (why: string) => {
    throw new UaiError('UAI_TEMPLATE_FAILED', `The service config rendered from ${templatePath} ${why}.`, {
      model: plan.name,
      step: 'render',
    });
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return fail(`is not valid JSON (${(cause as Error).message})`);
  }
  const exec = (parsed as { http_server?: { exec?: Record<string, unknown> } })?.http_server?.exec;
  if (exec?.main_file !== plan.model.mainModule || exec?.main_class !== plan.model.mainClass) {
    fail('does not name the model\'s main_file and main_class under http_server.exec');
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
