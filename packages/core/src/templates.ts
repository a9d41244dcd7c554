import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UaiPlugin } from './plugin.js';
import type { ModelTemplates, TemplateSource } from './render.js';

export const templateFiles = {
  dockerfile: 'uaiservice.Dockerfile.hbs',
  serviceConfig: 'service-config.json.hbs',
} as const;

/** The templates shipped with @uai/core (copied from the repository's templates/ at build). */
export const defaultTemplatesDir = fileURLToPath(new URL('../templates/', import.meta.url));

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
    const fallback = await readFirst([
      ...(plugin.templates?.[kind] ? [plugin.templates[kind]] : []),
      path.join(defaultTemplatesDir, templateFiles[kind]),
    ]);
    const project = await readFirst([path.join(root, 'templates', templateFiles[kind])]).catch(() => undefined);
    const ours = await readFile(path.join(defaultTemplatesDir, templateFiles[kind]), 'utf8');
    return project && project.source !== ours ? project : fallback;
  };
  return { dockerfile: await pick('dockerfile'), serviceConfig: await pick('serviceConfig') };
}
