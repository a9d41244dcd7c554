import { describe, expect, it } from 'vitest';
import { publishProblems, readReports, type ReportedModel } from './read-reports.js';

const digest = `sha256:${'a'.repeat(64)}`;
const model = (name: string, status = 'staged', file = 'shard-1.json'): ReportedModel => ({ name, image: `h/ns/${name}:v1`, status, digest, file });

describe('readReports', () => {
  it('reads the models of every report, and names a file that is not one', () => {
    const good = JSON.stringify({ models: [{ name: 'a', image: 'h/ns/a:v1', status: 'staged', digest, durationMs: 1, error: null }] });
    const { models, problems } = readReports([
      { file: 'one.json', text: good },
      { file: 'bad.json', text: 'not json' },
      { file: 'other.json', text: '{"shard":"1/2"}' },
      { file: 'failed.json', text: JSON.stringify({ models: [], error: { code: 'UAI_CONFIG_INVALID', message: 'broken' } }) },
    ]);
    expect(models).toEqual([{ name: 'a', image: 'h/ns/a:v1', status: 'staged', digest, file: 'one.json' }]);
    expect(problems).toEqual([
      expect.stringContaining('bad.json is not JSON'),
      'other.json is not a uai build --json report (no "models" list)',
      'failed.json: that build never started: broken',
    ]);
  });
});

describe('publishProblems', () => {
  it.each([
    { name: 'staged and skipped models', models: [model('a'), model('b', 'skipped')], selected: ['a', 'b'], problems: [] },
    {
      name: 'a failed model',
      models: [model('a'), model('b', 'failed')],
      selected: undefined,
      problems: ['b: failed in shard-1.json; only staged (uai build --no-tag) or skipped models are published'],
    },
    {
      name: 'a pushed model (not staged)',
      models: [model('a', 'pushed')],
      selected: undefined,
      problems: ['a: pushed in shard-1.json; only staged (uai build --no-tag) or skipped models are published'],
    },
    { name: 'a model in no report', models: [model('a')], selected: ['a', 'b'], problems: ['b: in the config but in no report'] },
    {
      name: 'a model twice',
      models: [model('a'), model('a', 'staged', 'shard-2.json')],
      selected: ['a'],
      problems: ['a: in two reports (shard-1.json, shard-2.json); each model must be reported once'],
    },
    {
      name: 'a model the config lacks',
      models: [model('a'), model('z')],
      selected: ['a'],
      problems: ['z: in a report but not a selected model of the config'],
    },
    { name: 'no digest', models: [{ ...model('a'), digest: null }], selected: undefined, problems: ['a: no digest in shard-1.json'] },
    { name: 'nothing at all', models: [], selected: undefined, problems: ['the reports name no model'] },
  ])('$name', ({ models, selected, problems }) => {
    expect(publishProblems(models, selected)).toEqual(problems);
  });
});
