import { describe, expect, it } from 'vitest';
import type { ImageBuilder } from '../builders/builder.js';
import type { ModelPlan } from '../plan/plan.js';
import { digestReference } from '../smoke/tester.js';
import { releaseModel, type ReleaseOptions } from './release.js';

const digest = `sha256:${'d'.repeat(64)}`;
const plan = { name: 'm', imageRef: 'reg:5000/ns/m:v1', test: { requestFile: '/x', contentType: 'a/b', expect: {}, timeoutMs: 1 } } as ModelPlan;
const ctx = { signal: new AbortController().signal, log: () => {} };

/** A builder and a tester that write down what was done, in order. */
function recording(stages: boolean, skipped = false) {
  const calls: string[] = [];
  const builder = {
    name: 'fake',
    stages,
    push: async (_plan: ModelPlan, _ctx: unknown, options?: { staged?: boolean }) => {
      calls.push(options?.staged ? 'push by digest' : 'push with tag');
      return { digest, skipped };
    },
  } as unknown as ImageBuilder;
  const release = (noTag: boolean, test: boolean): ReleaseOptions => ({
    noTag,
    tester: test ? { test: async (_plan, image) => void calls.push(`test ${image}`), ready: async () => {}, dispose: async () => {} } : undefined,
    tag: async (_plan, d) => void calls.push(`tag ${d}`),
  });
  return { calls, builder, release };
}

describe('releaseModel', () => {
  it.each([
    { name: 'native, plain', stages: true, noTag: false, test: false, calls: ['push with tag'], status: 'pushed' },
    { name: 'native, --no-tag', stages: true, noTag: true, test: false, calls: ['push by digest'], status: 'staged' },
    {
      name: 'native, --test: the staged image is tested, then the tag moves',
      stages: true,
      noTag: false,
      test: true,
      calls: ['push by digest', `test reg:5000/ns/m@${digest}`, `tag ${digest}`],
      status: 'pushed',
    },
    {
      name: 'native, --test --no-tag (--atomic): tested, no tag',
      stages: true,
      noTag: true,
      test: true,
      calls: ['push by digest', `test reg:5000/ns/m@${digest}`],
      status: 'staged',
    },
    {
      name: 'docker, --test: the local image is tested before docker push moves the tag',
      stages: false,
      noTag: false,
      test: true,
      calls: ['test reg:5000/ns/m:v1', 'push with tag'],
      status: 'pushed',
    },
  ])('$name', async ({ stages, noTag, test, calls, status }) => {
    const fake = recording(stages);
    const done = await releaseModel(plan, fake.builder, ctx, fake.release(noTag, test), () => {}, false);
    expect(fake.calls).toEqual(calls);
    expect(done).toEqual({ status, digest });
  });

  it('tests no model the registry already held (skipped), and moves no tag for it', async () => {
    const fake = recording(true, true);
    const done = await releaseModel(plan, fake.builder, ctx, fake.release(false, true), () => {}, false);
    expect(fake.calls).toEqual(['push by digest']);
    expect(done.status).toBe('skipped');
  });
});

describe('digestReference', () => {
  it.each([
    { ref: 'reg:5000/ns/m:v1', expected: `reg:5000/ns/m@${digest}` },
    { ref: 'reg/ns/m', expected: `reg/ns/m@${digest}` },
  ])('$ref', ({ ref, expected }) => {
    expect(digestReference(ref, digest)).toBe(expected);
  });
});
