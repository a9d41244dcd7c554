import { writeFileAtomic } from '@uai/oci';
import { readFile } from 'node:fs/promises';
import { projectPaths } from './paths.js';

/** What a model's last build left: its image, and the manifest digest the registry holds it by (if pushed or staged). */
export interface BuiltImage {
  image: string;
  /** The registry's manifest digest; none for an image only in the local engine (`--no-push` with Docker). */
  digest?: string;
  status: string;
  builder: string;
}

/** `.uai/last-build.json`: each model's image as its last build left it. Undefined entries when unreadable. */
export async function readLastBuild(root: string): Promise<Record<string, BuiltImage>> {
  try {
    const data = JSON.parse(await readFile(projectPaths(root).lastBuildFile, 'utf8')) as { models?: Record<string, BuiltImage> };
    return typeof data.models === 'object' && data.models !== null ? data.models : {};
  } catch {
    return {};
  }
}

/**
 * Records the images a build made, merged over what earlier builds recorded (a `--model` build keeps
 * the others'). Written by `uai build`, read by `uai test`, so a CI step with a fresh HOME tests what the
 * step before it built.
 */
export async function recordLastBuild(root: string, images: Record<string, BuiltImage>): Promise<void> {
  if (Object.keys(images).length === 0) return;
  const models = { ...(await readLastBuild(root)), ...images };
  await writeFileAtomic(projectPaths(root).lastBuildFile, `${JSON.stringify({ version: 1, models }, null, 2)}\n`);
}
