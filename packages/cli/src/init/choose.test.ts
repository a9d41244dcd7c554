import { describe, expect, it } from 'vitest';
import { doubtsOf, entryFor, takeGuesses } from './choose.js';
import type { Proposal } from './detect.js';

const proposal: Proposal = {
  codeFolder: 'code',
  name: 'mnist',
  models: [
    { framework: 'caffe', modelDir: 'm', options: { modelName: 'a' }, files: ['m/a.prototxt', 'm/a.caffemodel'], why: 'caffe' },
    { framework: 'caffe', modelDir: 'm', options: { modelName: 'b' }, files: ['m/b.prototxt', 'm/b.caffemodel'], why: 'caffe' },
  ],
  modelDoubt: '2 model sets found',
  classes: [
    { mainModule: 'serve', mainClass: 'A', file: 'serve.py', score: 3, why: '' },
    { mainModule: 'serve', mainClass: 'B', file: 'serve.py', score: 3, why: '' },
  ],
  classDoubt: '2 classes look like the model class',
};

describe('choosing', () => {
  it('--yes takes the first guess of each, and remembers the doubts it did not ask about', () => {
    expect(entryFor(proposal, takeGuesses(proposal))).toEqual({
      name: 'mnist',
      framework: 'caffe',
      packFilePath: './code',
      mainModule: 'serve',
      mainClass: 'A',
      modelDir: 'm',
      options: { modelName: 'a' },
      image: 'mnist:v1',
      files: ['m/a.prototxt', 'm/a.caffemodel'],
      unconfirmed: ['2 model sets found', '2 classes look like the model class'],
    });
  });

  it('an answered choice has nothing unconfirmed; the current folder packs as "."', () => {
    const entry = entryFor({ ...proposal, codeFolder: '.' }, { model: proposal.models[1]!, main: { mainModule: 'serve', mainClass: 'B' }, asked: true });
    expect(entry).toMatchObject({ packFilePath: '.', mainClass: 'B', options: { modelName: 'b' }, unconfirmed: [] });
  });

  it('--yes leaves out a folder without a class, saying why', () => {
    const noClass = { ...proposal, classes: [], classDoubt: 'no importable .py file in code/ defines a class' };
    const choice = takeGuesses(noClass);
    expect(choice).toEqual({ skip: 'no importable .py file in code/ defines a class' });
    expect(entryFor(noClass, choice)).toBeUndefined();
  });

  it('lists the doubts by folder', () => {
    expect(doubtsOf(proposal)).toEqual(['code/: model files: 2 model sets found', 'code/: main class: 2 classes look like the model class']);
    expect(doubtsOf({ ...proposal, codeFolder: '.', modelDoubt: undefined })).toEqual(['this folder: main class: 2 classes look like the model class']);
  });

  it('an xgboost guess writes no modelDir', () => {
    const xgb = { ...proposal, models: [{ framework: 'xgboost' as const, options: { modelName: 'm/x.model' }, files: ['m/x.model'], why: '' }] };
    expect(entryFor(xgb, takeGuesses(xgb))).not.toHaveProperty('modelDir');
  });
});
