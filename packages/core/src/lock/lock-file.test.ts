import { describe, expect, it } from 'vitest';
import { applyLock, lockableImages, parseLockFile, serializeLockFile } from './lock-file.js';
import type { ModelPlan } from '../plan/plan.js';

const digest = `sha256:${'a'.repeat(64)}`;
const plan = (name: string, baseImage: string) => ({ name, baseImage }) as ModelPlan;

describe('uai.lock.json', () => {
  it('round-trips, sorted', () => {
    const text = serializeLockFile({ 'h/b:1': digest, 'h/a:1': digest });
    expect(Object.keys(parseLockFile(text).lock!.images)).toEqual(['h/a:1', 'h/b:1']);
  });

  it.each([
    { name: 'not JSON', text: '{', problem: 'is not valid JSON' },
    { name: 'wrong version', text: '{"version":2,"images":{}}', problem: 'is not a version 1 lock file' },
    { name: 'bad digest', text: '{"version":1,"images":{"h/a:1":"sha256:xyz"}}', problem: 'has a bad digest for h/a:1' },
  ])('refuses $name', ({ text, problem }) => {
    expect(parseLockFile(text).problem).toContain(problem);
  });

  it('pins known base images and names the ones the lock lacks', () => {
    const { plans, stale } = applyLock([plan('a', 'h/base:1'), plan('b', 'h/other:2'), plan('c', `h/pinned@${digest}`)], {
      version: 1,
      images: { 'h/base:1': digest },
    });
    expect(plans.map((p) => p.baseImage)).toEqual([`h/base:1@${digest}`, 'h/other:2', `h/pinned@${digest}`]);
    expect(stale).toEqual(['b: h/other:2 is not in uai.lock.json']);
  });

  it('locks each base image once and skips pinned ones', () => {
    expect(lockableImages([plan('a', 'h/x:1'), plan('b', 'h/x:1'), plan('c', `h/y@${digest}`)])).toEqual(['h/x:1']);
  });
});
