import type { Builder } from '../config/schema.js';
import { UaiError } from '../errors/uai-error.js';
import type { ImageBuilder } from './builder.js';
import { dockerBuilder } from './docker/docker-builder.js';
import { engineAnswer } from './docker/engine.js';
import { nativeBuilder } from './native/native-builder.js';
import { NativeSession } from './native/session.js';
import { retryPolicyFromEnv } from './retry-policy.js';
import { skipUnchanged } from './skip-unchanged.js';

export interface ChooseBuilderOptions {
  env: NodeJS.ProcessEnv;
  /** The project root (the config's folder): `.uai/` and relative `--output` paths are there. */
  root: string;
  push: boolean;
  /** `oci:<dir>` or `docker-archive:<file>`: only the native builder writes these. */
  output?: string;
  force?: boolean;
  /** `--no-tag` or `--atomic`: push by digest and move tags later; only the native builder can. */
  staged?: string;
}

export interface ChosenBuilder {
  builder: ImageBuilder;
  /** One line for the user: which builder and why. */
  reason: string;
}

/**
 * `docker`, `native`, or `auto`: Docker when an engine answers (and no `--output` asks for a file),
 * else native. The native builder needs no engine at all.
 */
export async function chooseBuilder(choice: Builder, options: ChooseBuilderOptions): Promise<ChosenBuilder> {
  const { env, root } = options;
  const native = () => nativeBuilder({ env, root, push: options.push, output: options.output, force: options.force });
  const docker = (engineChecked = false) => {
    const builder = dockerBuilder({ env, retry: retryPolicyFromEnv(env), engineChecked });
    // Skipping needs a registry to compare with: only when pushing.
    return options.push ? skipUnchanged(builder, new NativeSession({ env, root, push: false }), { force: options.force }) : builder;
  };
  /** Without a push or an --output the native builder would store the image nowhere: say so instead of "built". */
  const nativeStoring = (why = '') => {
    if (!options.push && !options.output) {
      throw new UaiError(
        'UAI_USAGE',
        `${why}${why ? 'the' : 'The'} native builder keeps no local images: with --no-push, add --output docker-archive:<file> (for docker load) or --output oci:<dir>.`,
      );
    }
    return native();
  };
  if (options.staged && !options.push) throw new UaiError('UAI_USAGE', `${options.staged} stages pushed images: it does not go with --no-push.`);
  if (choice === 'docker') {
    if (options.output) {
      throw new UaiError('UAI_USAGE', `--output ${options.output} needs the native builder; use --builder native (or auto).`);
    }
    // `docker push` always moves the tag: it cannot stage an image by digest alone.
    if (options.staged)
      throw new UaiError('UAI_USAGE', `${options.staged} needs the native builder (docker push always moves the tag); use --builder native (or auto).`);
    return { builder: docker(), reason: 'builder: docker (as asked)' };
  }
  if (choice === 'native') return { builder: nativeStoring(), reason: 'builder: native (as asked)' };
  if (options.output) return { builder: native(), reason: `builder: native (--output ${options.output.split(':')[0]} is written natively)` };
  if (options.staged) return { builder: native(), reason: `builder: native (${options.staged} stages images by digest, which only it does)` };
  const engine = await engineAnswer(env);
  if (engine.ok) return { builder: docker(true), reason: `builder: docker (${engine.detail})` };
  return { builder: nativeStoring(`No Docker engine answers (${engine.detail}), and `), reason: `builder: native (no Docker engine: ${engine.detail})` };
}
