import type { ImageBuilder } from './builder.js';
import type { Builder } from './config-schema.js';
import { dockerVersionArgs } from './docker-args.js';
import { dockerBuilder, dockerChildEnv } from './docker-builder.js';
import { UaiError } from './errors.js';
import { nativeBuilder } from './native-builder.js';
import type { RetryPolicy } from './push-retry.js';
import { runProcess } from './run-process.js';
import { skipUnchanged } from './skip-unchanged.js';

export interface ChooseBuilderOptions {
  env: NodeJS.ProcessEnv;
  push: boolean;
  /** `oci:<dir>` or `docker-archive:<file>`: only the native builder writes these. */
  output?: string;
  force?: boolean;
  retry?: RetryPolicy;
}

export interface ChosenBuilder {
  builder: ImageBuilder;
  /** One line for the user: which builder and why. */
  reason: string;
}

/** Does a Docker engine answer? `docker version` is what the docker builder would run first anyway. */
async function engineAnswer(env: NodeJS.ProcessEnv): Promise<{ ok: boolean; detail: string }> {
  const result = await runProcess('docker', dockerVersionArgs(), { env: dockerChildEnv(env) });
  if (result.notFound) return { ok: false, detail: 'the docker command is not installed' };
  if (result.exitCode !== 0) return { ok: false, detail: result.stderr.trim().split('\n').at(-1) || `docker version exited ${result.exitCode}` };
  return { ok: true, detail: `engine ${result.stdout.trim()} answers` };
}

/**
 * `docker`, `native`, or `auto`: Docker when an engine answers (and no `--output` asks for a file),
 * else native. The native builder needs no engine at all.
 */
export async function chooseBuilder(choice: Builder, options: ChooseBuilderOptions): Promise<ChosenBuilder> {
  const native = () => nativeBuilder({ env: options.env, push: options.push, output: options.output, force: options.force });
  const docker = (engineChecked = false) => {
    const builder = dockerBuilder({ env: options.env, retry: options.retry, engineChecked });
    // Skipping needs a registry to compare with: only when pushing.
    return options.push ? skipUnchanged(builder, nativeBuilder({ env: options.env, push: false }), { force: options.force }) : builder;
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
  if (choice === 'docker') {
    if (options.output) {
      throw new UaiError('UAI_USAGE', `--output ${options.output} needs the native builder; use --builder native (or auto).`);
    }
    return { builder: docker(), reason: 'builder: docker (as asked)' };
  }
  if (choice === 'native') return { builder: nativeStoring(), reason: 'builder: native (as asked)' };
  if (options.output) return { builder: native(), reason: `builder: native (--output ${options.output.split(':')[0]} is written natively)` };
  const engine = await engineAnswer(options.env);
  if (engine.ok) return { builder: docker(true), reason: `builder: docker (${engine.detail})` };
  return { builder: nativeStoring(`No Docker engine answers (${engine.detail}), and `), reason: `builder: native (no Docker engine: ${engine.detail})` };
}
