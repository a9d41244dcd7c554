import { RegistryError, type RegistryClient } from '@uai/oci';
import { describe, expect, it } from 'vitest';
import { moveTags } from './move-tags.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const signal = new AbortController().signal;

/** A registry of one host in memory: manifests by digest, tags, and a tag whose PUT fails. */
function fakeRegistry(tags: Record<string, string>, options: { failPut?: string; deletesTags?: boolean } = {}) {
  const manifests = new Set([d('a'), d('b'), d('c'), d('1'), d('2')]);
  const client = {
    getManifest: async (_repository: string, reference: string) => {
      if (!manifests.has(reference)) throw new RegistryError('not-found', `no ${reference}`);
      return { digest: reference, bytes: Buffer.from(reference), mediaType: 'm', json: {} };
    },
    manifestDigest: async (repository: string, tag: string) => tags[`${repository}:${tag}`],
    putManifest: async (repository: string, tag: string, bytes: Buffer) => {
      if (`${repository}:${tag}` === options.failPut) throw new RegistryError('other', `PUT ${repository}:${tag}: HTTP 500`);
      tags[`${repository}:${tag}`] = bytes.toString();
      return bytes.toString();
    },
    deleteTag: async (repository: string, tag: string) => {
      if (!options.deletesTags) return false;
      delete tags[`${repository}:${tag}`];
      return true;
    },
  } as unknown as RegistryClient;
  return { tags, access: { clientFor: () => client } };
}

const moves = [
  { name: 'one', image: 'reg.example/ns/one:v1', digest: d('a') },
  { name: 'two', image: 'reg.example/ns/two:v1', digest: d('b') },
  { name: 'three', image: 'reg.example/ns/three:v1', digest: d('c') },
];

describe('moveTags', () => {
  it('moves every tag to its digest', async () => {
    const registry = fakeRegistry({ 'ns/one:v1': d('1') });
    await moveTags(moves, registry.access, signal);
    expect(registry.tags).toEqual({ 'ns/one:v1': d('a'), 'ns/two:v1': d('b'), 'ns/three:v1': d('c') });
  });

  it('moves nothing when a digest is gone, naming the model', async () => {
    const registry = fakeRegistry({ 'ns/one:v1': d('1') });
    const error = await moveTags([...moves, { name: 'four', image: 'reg.example/ns/four:v1', digest: d('9') }], registry.access, signal).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'UAI_PUBLISH_FAILED' });
    expect((error as Error).message).toContain(`four: ${d('9')} is no longer in reg.example/ns/four`);
    expect(registry.tags).toEqual({ 'ns/one:v1': d('1') });
  });

  it('puts back the tags already moved when one fails: the old manifest, or no tag where there was none', async () => {
    const registry = fakeRegistry({ 'ns/one:v1': d('1') }, { failPut: 'ns/three:v1', deletesTags: true });
    const error = await moveTags(moves, registry.access, signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UAI_PUBLISH_FAILED', model: 'three' });
    expect((error as Error).message).toContain('The 2 tag(s) already moved were put back.');
    expect(registry.tags).toEqual({ 'ns/one:v1': d('1') });
  });

  it('names a new tag it cannot delete (a registry that keeps tags)', async () => {
    const registry = fakeRegistry({ 'ns/one:v1': d('1') }, { failPut: 'ns/three:v1', deletesTags: false });
    const error = await moveTags(moves, registry.access, signal).catch((e: unknown) => e);
    expect((error as Error).message).toContain('reg.example/ns/two:v1 was created and the registry does not delete tags');
    expect(registry.tags['ns/one:v1']).toBe(d('1'));
  });
});
