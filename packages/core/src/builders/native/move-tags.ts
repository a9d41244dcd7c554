import { parseReference, RegistryError, type RegistryClient } from '@uai/oci';
import { registryFailure } from '../../errors/registry-failure.js';
import { UaiError } from '../../errors/uai-error.js';
import type { TagMove } from '../builder.js';

/** What moves tags: a registry client per host (the native builder's session is one). */
export interface RegistryAccess {
  clientFor(host: string): RegistryClient;
}

/** A move read and checked, not yet made: the manifest to put, and what the tag held before. */
interface PreparedMove extends TagMove {
  client: RegistryClient;
  repository: string;
  tag: string;
  manifest: { bytes: Buffer; mediaType: string };
  /** The manifest the tag held before (to put back), or undefined when there was no such tag. */
  before?: { digest: string; bytes: Buffer; mediaType: string };
  /** The tag holds the digest already: nothing to move. */
  already: boolean;
}

/**
 * Reads everything the moves need before any tag moves: each digest's manifest (its exact bytes: a
 * digest no longer in the registry fails here) and what each tag holds now. Throws UAI_PUBLISH_FAILED
 * naming every model that cannot be published.
 */
async function prepareMoves(moves: readonly TagMove[], registry: RegistryAccess, signal: AbortSignal): Promise<PreparedMove[]> {
  const problems: string[] = [];
  const prepared: PreparedMove[] = [];
  for (const move of moves) {
    const ref = parseReference(move.image);
    const client = registry.clientFor(ref.host);
    const tag = ref.tag ?? 'latest';
    try {
      const manifest = await client.getManifest(ref.repository, move.digest, signal);
      const current = await client.manifestDigest(ref.repository, tag, signal);
      const before = current && current !== move.digest ? await client.getManifest(ref.repository, current, signal) : undefined;
      prepared.push({
        ...move,
        client,
        repository: ref.repository,
        tag,
        manifest: { bytes: manifest.bytes, mediaType: manifest.mediaType },
        before: before && { digest: before.digest, bytes: before.bytes, mediaType: before.mediaType },
        already: current === move.digest,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const gone = error instanceof RegistryError && error.kind === 'not-found';
      const why = gone
        ? `${move.digest} is no longer in ${ref.host}/${ref.repository}`
        : ((registryFailure(error, { host: ref.host, step: 'push', model: move.name }) as Error).message ?? String(error));
      problems.push(`${move.name}: ${why}`);
    }
  }
  if (problems.length > 0) {
    throw new UaiError('UAI_PUBLISH_FAILED', `Nothing was published; these models cannot be:\n${problems.map((line) => `  ${line}`).join('\n')}`, {
      step: 'publish',
    });
  }
  return prepared;
}

/** Puts a moved tag back where it was: its old manifest, or no tag at all where the registry deletes tags. */
async function putBack(move: PreparedMove, signal: AbortSignal): Promise<string | undefined> {
  try {
    if (move.before) {
      await move.client.putManifest(move.repository, move.tag, move.before.bytes, move.before.mediaType, signal);
      return undefined;
    }
    const deleted = await move.client.deleteTag(move.repository, move.tag, signal);
    return deleted ? undefined : `${move.image} was created and the registry does not delete tags: it now points at ${move.digest}`;
  } catch (error) {
    return `${move.image} could not be put back (${(error as Error).message}): it now points at ${move.digest}`;
  }
}

/**
 * Moves every tag to its digest, all or nothing: everything is read and checked first; then the tags
 * move one by one, each to the exact bytes of its manifest; if one fails, the ones already moved are
 * put back to what they held (a tag that did not exist is deleted where the registry allows it, else
 * named in the error).
 */
export async function moveTags(
  moves: readonly TagMove[],
  registry: RegistryAccess,
  signal: AbortSignal,
  log: (line: string) => void = () => {},
): Promise<void> {
  const prepared = await prepareMoves(moves, registry, signal);
  const moved: PreparedMove[] = [];
  for (const move of prepared) {
    if (move.already) continue;
    try {
      log(`tagging ${move.image}`);
      await move.client.putManifest(move.repository, move.tag, move.manifest.bytes, move.manifest.mediaType, signal);
      moved.push(move);
    } catch (error) {
      // Put back even when the run was stopped: a half-published release is what this exists to prevent.
      const unstoppable = new AbortController().signal;
      const left = (await Promise.all(moved.reverse().map((done) => putBack(done, unstoppable)))).filter((line): line is string => line !== undefined);
      const why = registryFailure(error, { host: parseReference(move.image).host, step: 'push', model: move.name }) as Error;
      const back =
        moved.length === 0
          ? ''
          : left.length === 0
            ? ` The ${moved.length} tag(s) already moved were put back.`
            : `\nNot put back:\n${left.map((line) => `  ${line}`).join('\n')}`;
      throw new UaiError('UAI_PUBLISH_FAILED', `Publishing stopped at ${move.name}: ${why.message}${back}`, {
        step: 'publish',
        model: move.name,
        cause: error,
      });
    }
  }
}
