import { describe, expect, it } from 'vitest';
import { notStartedStep } from '../pipeline/result.js';
import { exitCodeFor, formatSummary, jsonReport, type ModelResult } from './report.js';

const digest = `sha256:${'ab'.repeat(32)}`;
const pushed: ModelResult = { name: 'mnist', image: 'uhub.ucloud.cn/uai_demo/caffe-inference:test', status: 'pushed', digest, durationMs: 12_345 };
const built: ModelResult = { name: 'resnet', image: 'uhub.ucloud.cn/uai_demo/resnet:v1', status: 'built', durationMs: 800 };
const failed: ModelResult = {
  name: 'a-much-longer-name',
  image: 'uhub.ucloud.cn/uai_demo/long:v1',
  status: 'failed',
  durationMs: 2_100,
  error: { step: 'push', code: 'UAI_AUTH_FAILED', message: 'Authentication to registry uhub.ucloud.cn failed.\nunauthorized' },
};
const cancelled: ModelResult = {
  name: 'later',
  image: 'uhub.ucloud.cn/uai_demo/later:v1',
  status: 'cancelled',
  durationMs: 0,
  error: { step: 'check', code: 'UAI_CANCELLED', message: 'cancelled' },
};
const skipped: ModelResult = { name: 'same', image: 'uhub.ucloud.cn/uai_demo/same:v1', status: 'skipped', durationMs: 30 };

describe('jsonReport', () => {
  it('has exactly the fields of the interface, in order, with null for none', () => {
    const parsed = JSON.parse(jsonReport([pushed, failed]));
    expect(Object.keys(parsed)).toEqual(['models']);
    for (const model of parsed.models) expect(Object.keys(model)).toEqual(['name', 'image', 'status', 'digest', 'durationMs', 'error']);
    expect(parsed.models).toEqual([
      { name: 'mnist', image: 'uhub.ucloud.cn/uai_demo/caffe-inference:test', status: 'pushed', digest, durationMs: 12345, error: null },
      {
        name: 'a-much-longer-name',
        image: 'uhub.ucloud.cn/uai_demo/long:v1',
        status: 'failed',
        digest: null,
        durationMs: 2100,
        error: { step: 'push', code: 'UAI_AUTH_FAILED', message: 'Authentication to registry uhub.ucloud.cn failed.\nunauthorized' },
      },
    ]);
  });

  it('leaves out anything else a result carries', () => {
    const extra = { ...pushed, plan: { secret: 'x' }, password: 'hunter22' } as ModelResult;
    expect(jsonReport([extra])).not.toContain('hunter22');
  });

  it('is one JSON document for no models', () => {
    expect(JSON.parse(jsonReport([]))).toEqual({ models: [] });
  });
});

describe('exitCodeFor', () => {
  it.each([
    { name: 'no models', results: [], expected: 0 },
    { name: 'all pushed', results: [pushed], expected: 0 },
    { name: 'built, pushed and skipped', results: [built, pushed, skipped], expected: 0 },
    { name: 'one failed', results: [pushed, failed], expected: 1 },
    { name: 'one cancelled', results: [pushed, cancelled], expected: 1 },
  ])('$name -> $expected', ({ results, expected }) => {
    expect(exitCodeFor(results)).toBe(expected);
  });
});

describe('formatSummary', () => {
  it('counts the cancelled models that never started', () => {
    const notStarted: ModelResult = {
      ...cancelled,
      name: 'queued',
      error: { step: notStartedStep, code: 'UAI_CANCELLED', message: 'not started: a failed (--fail-fast)' },
    };
    expect(formatSummary([failed, cancelled, notStarted]).split('\n').at(-1)).toBe('1 failed, 2 cancelled (1 not started)');
    expect(formatSummary([failed, cancelled]).split('\n').at(-1)).toBe('1 failed, 1 cancelled');
  });

  it('lines up a row per model, with the digest, the error indented, and the totals', () => {
    expect(formatSummary([pushed, built, failed, cancelled, skipped])).toMatchInlineSnapshot(`
      "mnist               pushed      12.3s  uhub.ucloud.cn/uai_demo/caffe-inference:test@sha256:abababababababababababababababababababababababababababababababab
      resnet              built        0.8s  uhub.ucloud.cn/uai_demo/resnet:v1
      a-much-longer-name  failed       2.1s  uhub.ucloud.cn/uai_demo/long:v1
                          push: Authentication to registry uhub.ucloud.cn failed.
                          unauthorized
      later               cancelled    0.0s  uhub.ucloud.cn/uai_demo/later:v1
                          check: cancelled
      same                skipped      0.0s  uhub.ucloud.cn/uai_demo/same:v1

      1 pushed, 1 built, 1 skipped, 1 failed, 1 cancelled"
    `);
  });
});

describe('formatSummary in a terminal', () => {
  const longError: ModelResult = {
    ...failed,
    error: {
      step: 'push',
      code: 'UAI_PUSH_FAILED',
      message: `pushing manifest ${'x'.repeat(30)} on uhub.ucloud.cn: HTTP 500 after 5 tries; the registry is having trouble, try again later.`,
    },
  };

  it.each([60, 80, 130])('fits %i columns: short digests, rows cut, errors wrapped', (columns) => {
    const text = formatSummary([pushed, built, longError, skipped], { columns });
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(columns);
    expect(text).not.toContain(digest);
    if (columns >= 130) expect(text).toContain(`${pushed.image}@sha256:${'ab'.repeat(6)}`);
    // Nothing of the error is lost to the width: wrapped, not cut.
    expect(text.replace(/\s+/g, '')).toContain(longError.error!.message.replace(/\s+/g, ''));
  });

  it('keeps whole digests and long lines without a width (a pipe, CI)', () => {
    expect(formatSummary([pushed])).toContain(`@${digest}`);
  });
});
