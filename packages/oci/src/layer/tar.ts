/**
 * A minimal, deterministic tar (POSIX ustar) header writer. Owner 0:0 with empty names, a fixed mtime,
 * no device numbers: the same entry always gives the same bytes. Names that do not fit ustar's
 * name/prefix fields, and sizes of 8 GiB and more, go in a PAX extended header first.
 */

export const blockSize = 512;

export type TarEntryType = 'file' | 'directory';

export interface TarHeader {
  /** Path inside the archive, `/`-separated, no leading `/`; directories without a trailing `/`. */
  path: string;
  type: TarEntryType;
  mode: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
}

const maxOctal11 = 0o77777777777; // 8 GiB - 1: the largest size ustar's 11 octal digits hold

function writeString(block: Buffer, offset: number, length: number, value: string | Buffer): void {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (bytes.length > length) throw new Error(`tar field overflow: ${bytes.length} > ${length}`);
  bytes.copy(block, offset);
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  // length-1 octal digits, zero-padded, then NUL.
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

/** Splits a path into ustar's prefix (155) and name (100), or returns undefined when it cannot. */
export function splitUstarPath(name: string): { prefix: string; name: string } | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { prefix: '', name };
  if (bytes > 256) return undefined;
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
  }
  return undefined;
}

function rawHeader(name: string, prefix: string, typeflag: string, mode: number, size: number, mtime: number): Buffer {
  const block = Buffer.alloc(blockSize);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, mtime);
  block.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  writeString(block, 156, 1, typeflag);
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  // uname, gname (265, 297) stay empty; devmajor/devminor (329, 337) stay zero.
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** One PAX record: `<length> <key>=<value>\n`, where length counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

export function paddingFor(size: number): number {
  return (blockSize - (size % blockSize)) % blockSize;
}

/** The header block(s) of one entry: a PAX header when needed, then the ustar header. */
export function tarHeader(entry: TarHeader): Buffer {
  const path = entry.type === 'directory' ? `${entry.path}/` : entry.path;
  const size = entry.type === 'directory' ? 0 : entry.size;
  const split = splitUstarPath(path);
  const records: string[] = [];
  if (!split) records.push(paxRecord('path', path));
  if (size > maxOctal11) records.push(paxRecord('size', String(size)));
  const typeflag = entry.type === 'directory' ? '5' : '0';
  const ustarName = split ?? { prefix: '', name: Buffer.from(path).subarray(0, 99).toString('latin1') };
  const header = rawHeader(ustarName.name, ustarName.prefix, typeflag, entry.mode, size > maxOctal11 ? 0 : size, entry.mtime);
  if (records.length === 0) return header;
  const data = Buffer.from(records.join(''), 'utf8');
  const paxName = `PaxHeaders/${Buffer.from(path).subarray(0, 80).toString('latin1')}`;
  const pax = rawHeader(paxName.slice(0, 99), '', 'x', 0o644, data.length, entry.mtime);
  return Buffer.concat([pax, data, Buffer.alloc(paddingFor(data.length)), header]);
}

/** Bytes an entry takes in the archive: headers, data, padding. */
export function tarEntrySize(entry: TarHeader): number {
  const data = entry.type === 'directory' ? 0 : entry.size;
  return tarHeader({ ...entry, size: entry.type === 'directory' ? 0 : entry.size }).length + data + paddingFor(data);
}

/** The end of an archive: two zero blocks. */
export const tarTrailer = Buffer.alloc(blockSize * 2);
