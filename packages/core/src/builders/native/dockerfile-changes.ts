import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UaiError } from '../../errors/uai-error.js';
import { dockerfileName } from '../../plan/paths.js';
import type { EnvVar, ModelPlan } from '../../plan/plan.js';
import { appDir, servicePort, serviceShellCmd } from '../../plan/platform.js';
import { renderModel, type ModelTemplates } from '../../render/render.js';
import { defaultTemplatesDir, templateFiles } from '../../render/templates.js';

/** What a Dockerfile rendered from a custom template asks of the image, when the native builder can do it. */
export interface DockerfileChanges {
  env: EnvVar[];
  labels: Record<string, string>;
  exposedPorts: string[];
}

/**
 * Reads a rendered Dockerfile the native builder may apply: `FROM` the plan's base image, `EXPOSE 8080`,
 * `ENV`, `LABEL key=value`, the two standard `COPY` lines and the standard `CMD`. Values are single words
 * (the `docker` helper of render.ts allows no quotes or whitespace). Anything else throws
 * UAI_BUILD_FAILED naming the line, since only `docker build` can run it.
 */
export function dockerfileChanges(text: string, plan: ModelPlan): DockerfileChanges {
  const env: EnvVar[] = [];
  const labels: Record<string, string> = {};
  const exposedPorts: string[] = [];
  const standard = {
    copyCode: `COPY code/ ${appDir}/`,
    copyConfig: `COPY ${plan.configName} ${appDir}/${plan.configName}`,
    cmd: `CMD ${serviceShellCmd}`,
  };
  const seen = new Set<string>();
  let from = false;
  const fail = (line: string, number: number | undefined, why: string): never => {
    throw new UaiError(
      'UAI_BUILD_FAILED',
      `${path.join(plan.buildDir, dockerfileName)}${number === undefined ? '' : ` line ${number}`}: "${line}": ${why}. The native builder applies only FROM (the model's base image), EXPOSE 8080, ENV, LABEL key=value and the standard COPY and CMD lines of a custom template; use --builder docker.`,
      { model: plan.name, step: 'build' },
    );
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const instruction = words[0]!.toUpperCase();
    const args = words.slice(1);
    const normal = [instruction, ...args].join(' ');
    const pairs = (what: string) =>
      args.map((word) => {
        const eq = word.indexOf('=');
        if (eq <= 0) fail(line, i + 1, `${what} must be written key=value`);
        return [word.slice(0, eq), word.slice(eq + 1)] as const;
      });
    if (line.endsWith('\\')) fail(line, i + 1, 'line continuations are not supported');
    if (!from && instruction !== 'FROM') fail(line, i + 1, 'the first instruction must be FROM');
    switch (instruction) {
      case 'FROM':
        if (from) fail(line, i + 1, 'only one FROM (no multi-stage builds)');
        if (args.length !== 1 || args[0] !== plan.baseImage) fail(line, i + 1, `FROM must name the model's base image ${plan.baseImage}`);
        from = true;
        break;
      case 'EXPOSE':
        if (args.length !== 1 || args[0] !== servicePort) fail(line, i + 1, `only EXPOSE ${servicePort}`);
        if (!exposedPorts.includes(servicePort)) exposedPorts.push(servicePort);
        break;
      case 'ENV':
        if (args.length === 0) fail(line, i + 1, 'ENV needs key=value');
        for (const [name, value] of pairs('ENV')) {
          const index = env.findIndex((e) => e.name === name);
          if (index === -1) env.push({ name, value });
          else env[index] = { name, value };
        }
        break;
      case 'LABEL':
        if (args.length === 0) fail(line, i + 1, 'LABEL needs key=value');
        for (const [key, value] of pairs('LABEL')) labels[key] = value;
        break;
      case 'COPY':
      case 'CMD': {
        const which = normal === standard.copyCode ? 'copyCode' : normal === standard.copyConfig ? 'copyConfig' : normal === standard.cmd ? 'cmd' : undefined;
        if (!which)
          fail(
            line,
            i + 1,
            `only the standard ${instruction} line${instruction === 'COPY' ? `s ("${standard.copyCode}", "${standard.copyConfig}")` : ` ("${standard.cmd}")`}`,
          );
        if (seen.has(which!)) fail(line, i + 1, 'repeated');
        seen.add(which!);
        break;
      }
      default:
        fail(line, i + 1, `${instruction} is not supported`);
    }
  }
  for (const [key, line] of Object.entries(standard)) {
    if (!seen.has(key)) fail(line, undefined, 'the template leaves out this standard line');
  }
  return { env, labels, exposedPorts };
}

/** The built-in templates, read once per process: they ship with the package and do not change under a run. */
let builtinTemplates: Promise<ModelTemplates> | undefined;

/** The Dockerfile the built-in template renders for this plan. */
export async function standardDockerfile(plan: ModelPlan): Promise<string> {
  const read = async (file: string) => ({ path: path.join(defaultTemplatesDir, file), source: await readFile(path.join(defaultTemplatesDir, file), 'utf8') });
  builtinTemplates ??= (async () => ({ dockerfile: await read(templateFiles.dockerfile), serviceConfig: await read(templateFiles.serviceConfig) }))();
  const files = renderModel(plan, await builtinTemplates);
  return files.find((file) => file.path === dockerfileName)!.contents;
}

/**
 * The model's rendered Dockerfile, and what it asks beyond the built-in template's (a custom template,
 * the project's or a plugin's): undefined when it is the built-in one.
 */
export async function readDockerfile(plan: ModelPlan): Promise<{ text: string; changes?: DockerfileChanges }> {
  const file = path.join(plan.buildDir, dockerfileName);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    throw new UaiError('UAI_BUILD_FAILED', `${file} is missing: the build folder was not assembled.`, { model: plan.name, step: 'build' });
  });
  return { text, changes: text === (await standardDockerfile(plan)) ? undefined : dockerfileChanges(text, plan) };
}
