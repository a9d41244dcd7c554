import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageRecords } from './image-records.js';

const blobsHeldBy = (file: string, model: string, imageRef: string, current: string) => new ImageRecords(file).blobsHeldBy(model, imageRef, current);

describe('blobsHeldBy', () => {
  const digest = (c: string) => `sha256:${c.repeat(64)}`;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'uai-images-')), 'images.json');
  writeFileSync(
    file,
    JSON.stringify({
      m: { image: 'reg/ns/m:v1', digest: digest('a'), blobs: [digest('1'), digest('2')] },
      old: { image: 'reg/ns/old:v1', digest: digest('b') },
    }),
  );

  it('gives the blobs of the manifest the tag holds when that is the one recorded for this image', async () => {
    expect([...((await blobsHeldBy(file, 'm', 'reg/ns/m:v1', digest('a'))) ?? [])]).toEqual([digest('1'), digest('2')]);
  });

  it('gives nothing when the tag was moved since, the record is for another image, or it has no blobs', async () => {
    expect(await blobsHeldBy(file, 'm', 'reg/ns/m:v1', digest('c'))).toBeUndefined(); // another pusher moved the tag
    expect(await blobsHeldBy(file, 'm', 'reg/ns/m:v2', digest('a'))).toBeUndefined(); // the model now pushes elsewhere
    expect(await blobsHeldBy(file, 'old', 'reg/ns/old:v1', digest('b'))).toBeUndefined(); // written before blobs were
    expect(await blobsHeldBy(path.join(path.dirname(file), 'none.json'), 'm', 'reg/ns/m:v1', digest('a'))).toBeUndefined();
  });
});
