// What a layer built from real files says about them, read back from the tar header bytes: modes
// normalized (a file anyone may execute 0755, any other file 0644, every folder 0755; no setuid,
// setgid or sticky bit, no group- or world-writable bit), owner 0:0 with empty user and group names,
// and one fixed mtime, whatever the files' own modes, owners and times. A layer that kept the raw
// modes would differ from machine to machine (umask, checkouts) and could ship a setuid file.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { walkDirectory } from './entries.js';
import { prepareLayer } from './prepare-layer.js';

interface Header {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  type: string;
  magic: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

const text = (block: Buffer, start: number, length: number) =>
  block
    .subarray(start, start + length)
    .toString('latin1')
    .replace(/\0.*$/s, '');
const octal = (block: Buffer, start: number, length: number) => Number.parseInt(text(block, start, length).trim() || '0', 8);

/** Every ustar header of a tar, in order, read from the bytes (no PAX here: the paths are short). */
function headers(tar: Buffer): Header[] {
  const out: Header[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const block = tar.subarray(at, at + 512);
    if (block.every((byte) => byte === 0)) break;
    const prefix = text(block, 345, 155);
    const header: Header = {
      name: prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100),
      mode: octal(block, 100, 8),
      uid: octal(block, 108, 8),
      gid: octal(block, 116, 8),
      size: octal(block, 124, 12),
      mtime: octal(block, 136, 12),
      type: text(block, 156, 1),
      magic: block.subarray(257, 265).toString('latin1'),
      uname: block.subarray(265, 297).toString('latin1'),
      gname: block.subarray(297, 329).toString('latin1'),
      devmajor: octal(block, 329, 8),
      devminor: octal(block, 337, 8),
    };
    out.push(header);
    at += 512 + Math.ceil(header.size / 512) * 512;
  }
  return out;
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Files and folders with the modes to normalize (set with chmod, so no umask is involved), owned by someone else. */
function tree(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uai-modes-'));
  made.push(dir);
  const files: [string, number][] = [
    ['owner-exec.sh', 0o700],
    ['group-read.txt', 0o640],
    ['exec.sh', 0o755],
    ['private.key', 0o600],
    ['other-exec.bin', 0o644 | 0o001], // only others may execute it
    ['group-exec.bin', 0o640 | 0o010], // only the group may
    ['read-only.txt', 0o444],
    ['world-writable.txt', 0o666],
    ['setuid.bin', 0o4755],
    ['setgid.bin', 0o2750],
    ['private/sticky.txt', 0o1644],
  ];
  mkdirSync(path.join(dir, 'private'));
  mkdirSync(path.join(dir, 'shared'));
  for (const [name, mode] of files) {
    writeFileSync(path.join(dir, name), `${name}\n`);
    chmodSync(path.join(dir, name), mode);
    utimesSync(path.join(dir, name), new Date(2021, 5, 1), new Date(2021, 5, 1));
  }
  chmodSync(path.join(dir, 'private'), 0o700);
  chmodSync(path.join(dir, 'shared'), 0o1777);
  // As root, give the files another owner: the layer must still say 0:0.
  if (process.getuid?.() === 0) for (const [name] of files) chownSync(path.join(dir, name), 1234, 5678);
  return dir;
}

const expectedModes: Record<string, number> = {
  app: 0o755,
  'app/exec.sh': 0o755,
  'app/group-exec.bin': 0o755,
  'app/group-read.txt': 0o644,
  'app/other-exec.bin': 0o755,
  'app/owner-exec.sh': 0o755,
  'app/private': 0o755,
  'app/private.key': 0o644,
  'app/private/sticky.txt': 0o644,
  'app/read-only.txt': 0o644,
  'app/setgid.bin': 0o755,
  'app/setuid.bin': 0o755,
  'app/shared': 0o755,
  'app/world-writable.txt': 0o644,
};

async function layerTar(gzip: boolean, mtime: number): Promise<Buffer> {
  const dir = tree();
  const entries = await walkDirectory(dir, { prefix: 'app' });
  const blobDir = mkdtempSync(path.join(os.tmpdir(), 'uai-modes-blobs-'));
  made.push(blobDir);
  const layer = await prepareLayer(entries, { gzip, mtime, blobDir, resolveNow: false, cache: { get: async () => undefined, set: async () => {} } });
  const chunks: Buffer[] = [];
  for await (const chunk of layer.open()) chunks.push(Buffer.from(chunk));
  const blob = Buffer.concat(chunks);
  return gzip ? gunzipSync(blob) : blob;
}

describe.each([
  { layer: 'a gzip layer (code, config)', gzip: true, mtime: 0 },
  { layer: 'an uncompressed layer (weights)', gzip: false, mtime: 0 },
  { layer: 'a layer with SOURCE_DATE_EPOCH', gzip: false, mtime: 1_700_000_000 },
])('$layer built from real files', ({ gzip, mtime }) => {
  it('has 0755 for files with any execute bit and for folders, 0644 for other files', async () => {
    const tar = await layerTar(gzip, mtime);
    const all = headers(tar);
    const modes = Object.fromEntries(all.map((h) => [h.name.replace(/\/$/, ''), `0${h.mode.toString(8)}`]));
    expect(modes).toEqual(Object.fromEntries(Object.entries(expectedModes).map(([name, mode]) => [name, `0${mode.toString(8)}`])));
    // The mode field holds only permission bits: no file type bits (S_IFREG), written as 7 octal digits and a NUL.
    for (let at = 0, i = 0; i < all.length; i++) {
      expect(tar.subarray(at + 100, at + 108).toString('latin1')).toMatch(/^000(0755|0644)\0$/);
      at += 512 + Math.ceil(all[i]!.size / 512) * 512;
    }
  });

  it('has owner 0:0, empty user and group names, no device numbers and the fixed mtime', async () => {
    const all = headers(await layerTar(gzip, mtime));
    expect(all.length).toBe(Object.keys(expectedModes).length);
    for (const header of all) {
      expect(header, header.name).toMatchObject({ uid: 0, gid: 0, mtime, devmajor: 0, devminor: 0, magic: 'ustar\x0000' });
      expect(header.uname, header.name).toBe('\0'.repeat(32));
      expect(header.gname, header.name).toBe('\0'.repeat(32));
      expect(header.type, header.name).toBe(header.name.endsWith('/') ? '5' : '0');
    }
  });
});
