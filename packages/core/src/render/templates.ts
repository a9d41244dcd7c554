import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { UaiPlugin } from '../plugins/plugin.js';
import type { ModelTemplates, TemplateSource } from './render.js';

export const templateFiles = {
  dockerfile: 'uaiservice.Dockerfile.hbs',
  serviceConfig: 'service-config.json.hbs',
} as const;

/**
 * The templates shipped with @uai/core (copied from the repository's templates/ at build), found from
 * the package's root: this code runs from src/ in tests and from a bundle file in dist/.
 */
export const defaultTemplatesDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@uai/core/package.json')), 'templates');

async function readFirst(candidates: string[]): Promise<TemplateSource> {
  for (const candidate of candidates) {
    try {
      return { path: candidate, source: await readFile(candidate, 'utf8') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`no template found; looked at ${candidates.join(', ')}`);
}

/**
 * Reads a model's templates: the project's templates/ first, then the plugin's, then ours. A project
 * template identical to ours is no override (uai's own repository keeps the defaults in templates/),
 * so a plugin's template still applies there.
 */
export async function loadTemplates(root: string, plugin: UaiPlugin): Promise<ModelTemplates> {
  const pick = async (kind: keyof typeof templateFiles) => {
    const fallback = await readFirst([...(plugin.templates?.[kind] ? [plugin.templates[kind]] : []), path.join(defaultTemplatesDir, templateFiles[kind])]);
    const project = await readFirst([path.join(root, 'templates', templateFiles[kind])]).catch(() => undefined);
    const ours = await readFile(path.join(defaultTemplatesDir, templateFiles[kind]), 'utf8');
    return project && project.source !== ours ? project : fallback;
  };
  return { dockerfile: await pick('dockerfile'), serviceConfig: await pick('serviceConfig') };
}
