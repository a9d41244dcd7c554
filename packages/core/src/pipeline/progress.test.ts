import { describe, expect, it } from 'vitest';
import { bigLayerBytes, ProgressTracker, progressText, shortDigest } from './progress.js';

const MB = 1e6;
const upload = (done: number, total = 1500 * MB) => ({ phase: 'uploading' as const, layer: 'weights', done, total });

describe('progressText', () => {
  it.each([
    { name: "the issue's example", event: upload(612 * MB), rate: 188 * MB, expected: 'uploading weights  612/1500 MB  40%  188 MB/s' },
    { name: 'a slow rate keeps a decimal', event: upload(15 * MB), rate: 2.5 * MB, expected: 'uploading weights  15/1500 MB  1%  2.5 MB/s' },
    { name: 'no rate yet', event: upload(0), rate: undefined, expected: 'uploading weights  0/1500 MB  0%' },
    {
      name: 'hashing, done',
      event: { phase: 'hashing' as const, layer: 'weights', done: 600 * MB, total: 600 * MB },
      rate: 120 * MB,
      expected: 'hashing weights  600/600 MB  100%  120 MB/s',
    },
  ])('$name', ({ event, rate, expected }) => {
    expect(progressText(event, rate)).toBe(expected);
  });
});

describe('ProgressTracker', () => {
  it('says nothing of a layer under 16 MiB', () => {
    expect(new ProgressTracker().update(upload(1, bigLayerBytes - 1))).toBeUndefined();
  });

  it('has a plain line due at most every 10% or 5 s, and at the end', () => {
    let now = 0;
    const tracker = new ProgressTracker(() => now);
    const due = (done: number, at: number) => {
      now = at;
      return tracker.update(upload(done * 15 * MB))!.lineDue;
    };
    // Percent of 1500 MB (done * 15 MB = done %), at times in ms.
    expect([due(0, 0), due(4, 100), due(9, 200), due(10, 300), due(15, 400), due(19, 5400), due(21, 5500), due(100, 5600)]).toEqual([
      true, // the start
      false,
      false,
      true, // 10%
      false,
      true, // 5 s since the last line
      false, // not 10% past the last line (19% -> 21%)
      true, // the end
    ]);
  });

  it('gives the rate since the layer began, and starts again when an upload is retried from 0', () => {
    let now = 0;
    const tracker = new ProgressTracker(() => now);
    tracker.update(upload(0));
    now = 1000;
    expect(tracker.update(upload(200 * MB))!.text).toBe('uploading weights  200/1500 MB  13%  200 MB/s');
    now = 1100;
    expect(tracker.update(upload(10 * MB))!.text).toBe('uploading weights  10/1500 MB  0%'); // a retry: no rate yet
  });
});

describe('shortDigest', () => {
  it('keeps sha256: and 12 hex digits', () => {
    expect(shortDigest(`sha256:${'0123456789ab'.repeat(5)}cdef`)).toBe('sha256:0123456789ab');
    expect(shortDigest('not a digest')).toBe('not a digest');
  });
});
