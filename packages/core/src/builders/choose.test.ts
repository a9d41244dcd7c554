import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { chooseBuilder } from './choose.js';

const base = { env: { PATH: '/nonexistent' }, root: os.tmpdir(), push: true };

describe('chooseBuilder with --no-tag or --atomic', () => {
  it('takes the native builder under auto, which stages by digest, without asking for an engine', async () => {
    const chosen = await chooseBuilder('auto', { ...base, staged: '--atomic' });
    expect(chosen.builder.name).toBe('native');
    expect(chosen.builder.stages).toBe(true);
    expect(chosen.reason).toBe('builder: native (--atomic stages images by digest, which only it does)');
    await chosen.builder.dispose();
  });

  it.each([
    { name: 'the Docker builder, whose push always moves a tag', choice: 'docker' as const, push: true, says: '--no-tag needs the native builder' },
    { name: 'no push', choice: 'native' as const, push: false, says: '--no-tag stages pushed images: it does not go with --no-push' },
  ])('refuses $name (exit 2)', async ({ choice, push, says }) => {
    const error = await chooseBuilder(choice, { ...base, push, staged: '--no-tag' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UAI_USAGE', exitCode: 2 });
    expect((error as Error).message).toContain(says);
  });
});
