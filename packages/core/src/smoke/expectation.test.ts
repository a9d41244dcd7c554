import { describe, expect, it } from 'vitest';
import { checkAnswer, jsonDifference } from './expectation.js';

const ok = { status: 200, body: '{"standin":true,"status":"ok","framework":"caffe","scores":[1,2]}' };

describe('checkAnswer', () => {
  it.each([
    { name: 'status 200 by default', answer: ok, expect: {}, fails: undefined },
    { name: 'another status', answer: { status: 500, body: 'boom' }, expect: {}, fails: 'POST /service answered 500, expected 200: "boom"' },
    { name: 'the status asked for', answer: { status: 404, body: '' }, expect: { status: 404 }, fails: undefined },
    { name: 'a body that contains the text', answer: ok, expect: { bodyContains: '"ok"' }, fails: undefined },
    { name: 'a body without the text', answer: ok, expect: { bodyContains: 'digit' }, fails: 'the body does not contain "digit"' },
    { name: 'a JSON subset', answer: ok, expect: { json: { status: 'ok', framework: 'caffe' } }, fails: undefined },
    { name: 'a JSON value that differs', answer: ok, expect: { json: { framework: 'tensorflow' } }, fails: 'differs from test.expect.json at framework' },
    { name: 'an array must be equal', answer: ok, expect: { json: { scores: [1] } }, fails: 'at scores' },
    { name: 'a body that is not JSON', answer: { status: 200, body: 'hello' }, expect: { json: {} }, fails: 'the body is not JSON' },
  ])('$name', ({ answer, expect: wanted, fails }) => {
    const result = checkAnswer(answer, wanted);
    if (fails === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(fails);
  });

  it('quotes the first 200 characters of the body', () => {
    const body = 'x'.repeat(500);
    const result = checkAnswer({ status: 500, body })!;
    expect(result).toContain(`"${'x'.repeat(200)}"...`);
    expect(result).not.toContain('x'.repeat(201));
  });
});

describe('jsonDifference', () => {
  it('names the first path that differs, nested', () => {
    expect(jsonDifference({ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 3 }] } })).toBe('a.b[1].c');
    expect(jsonDifference({ a: 1, extra: true }, { a: 1 })).toBeUndefined();
  });
});
