import { describe, expect, it } from 'vitest';
import { assignShards, parseShard } from './shard.js';

describe('parseShard', () => {
  it.each([
    { text: '1/1', expected: { index: 1, total: 1 } },
    { text: '2/3', expected: { index: 2, total: 3 } },
    { text: '0/3', expected: undefined },
    { text: '4/3', expected: undefined },
    { text: 'a/b', expected: undefined },
    { text: '1/0', expected: undefined },
    { text: '1', expected: undefined },
    { text: '-1/3', expected: undefined },
  ])('$text', ({ text, expected }) => {
    expect(parseShard(text)).toEqual(expected);
  });
});

describe('assignShards', () => {
  const sizes = [90, 10, 50, 40, 30, 20, 60, 5].map((bytes, i) => ({ name: `m${i}`, bytes }));

  it('puts every model in exactly one shard, balanced by bytes, largest first', () => {
    const shards = assignShards(sizes, 3);
    expect([...shards.keys()].sort()).toEqual(sizes.map((m) => m.name).sort());
    const load = [1, 2, 3].map((k) => sizes.filter((m) => shards.get(m.name) === k).reduce((sum, m) => sum + m.bytes, 0));
    // 305 bytes in all, split as evenly as whole models allow.
    expect(load).toEqual([110, 100, 95]);
  });

  it('gives the same split whatever order the models come in', () => {
    const reversed = assignShards([...sizes].reverse(), 3);
    expect(reversed).toEqual(assignShards(sizes, 3));
  });

  it('leaves no shard empty with at least as many models as shards, even models of 0 bytes', () => {
    const empty = Array.from({ length: 4 }, (_, i) => ({ name: `e${i}`, bytes: 0 }));
    expect(new Set(assignShards(empty, 4).values())).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(assignShards(sizes, 8).values()).size).toBe(8);
  });
});
