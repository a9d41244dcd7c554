// @ts-check
// Just enough of tar to read a Docker image layer: regular files, directories, links and PAX paths.

/** @param {Buffer} block @param {number} start @param {number} length */
function text(block, start, length) {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

/** @param {Buffer} data PAX extended header records: `<len> key=value\n` */
function paxPath(data) {
  for (const record of data.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * Entries of an uncompressed tar, by path without a leading `./` or `/`.
 * @param {Buffer} tar
 * @returns {Map<string, { type: 'file' | 'dir' | 'symlink' | 'other', data: Buffer, linkname: string }>}
 */
export function readTar(tar) {
  const entries = new Map();
  let offset = 0;
  let nextPath;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = parseInt(text(header, 124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(header[156] || 48);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'x') {
      nextPath = paxPath(data);
      continue;
    }
    if (flag === 'g') continue;
    const prefix = text(header, 345, 155);
    const name = nextPath ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    nextPath = undefined;
    const type = flag === '0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : 'other';
    entries.set(name.replace(/^(\.\/|\/)+/, '').replace(/\/$/, ''), { type, data, linkname: text(header, 157, 100) });
  }
  return entries;
}
