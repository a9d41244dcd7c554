import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { NativeSession, uploadsFor } from './session.js';

const session = (env: NodeJS.ProcessEnv, push?: boolean) => new NativeSession({ env, root: os.tmpdir(), push });

describe('big uploads at once', () => {
  it('is one per core, at least 2 and at most 4', () => {
    expect([1, 2, 3, 8, 64].map(uploadsFor)).toEqual([2, 2, 3, 4, 4]);
  });

  it('refuses a UAI_MAX_UPLOADS that is not a whole number from 1 to 4, naming it', () => {
    for (const value of ['0', 'lots', '2.5', '-1', '5']) {
      expect(() => session({ UAI_MAX_UPLOADS: value })).toThrow(new RegExp(`UAI_MAX_UPLOADS="${value.replace('.', '\\.')}" is not a whole number from 1 to 4`));
    }
    expect(() => session({ UAI_MAX_UPLOADS: '3' })).not.toThrow();
    // The docker builder's skip check pushes nothing: a bad value is not its business.
    expect(() => session({ UAI_MAX_UPLOADS: 'lots' }, false)).not.toThrow();
  });
});
