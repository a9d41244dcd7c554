import type { RegistryCredentials, StepContext } from '../builders/builder.js';
import { DockerCli, outputOf } from '../builders/docker/docker-cli.js';
import { tailOf } from '../builders/docker/output.js';
import { UaiError } from '../errors/uai-error.js';
import type { ModelPlan } from '../plan/plan.js';
import { networkMode } from './container.js';
import { runSmokeTest } from './smoke-test.js';

/** Runs models' smoke tests in the local Docker engine. */
export interface ModelTester {
  /** Runs `plan.test` against `image` (a local image, or `repository@sha256:...`, pulled first). */
  test(plan: ModelPlan, image: string, ctx: StepContext): Promise<void>;
  /** Checks the engine and logs in now (else on the first test): a missing engine says so once. */
  ready(ctx: StepContext): Promise<void>;
  dispose(): Promise<void>;
}

/** `host/ns/name:tag` + digest -> `host/ns/name@sha256:...`: the image exactly as built, whatever the tag holds. */
export function digestReference(imageRef: string, digest: string): string {
  const slash = imageRef.lastIndexOf('/');
  const colon = imageRef.lastIndexOf(':');
  return `${colon > slash ? imageRef.slice(0, colon) : imageRef}@${digest}`;
}

/**
 * The tester of a run: the engine checked and the registries logged in to once (credentials reach
 * `docker login` on stdin, in a temporary config), on first use. With the host network (no bridge on
 * the engine), every model's service listens on 8080, so tests run one after another.
 */
export function dockerTester(env: NodeJS.ProcessEnv, credentials: readonly RegistryCredentials[]): ModelTester {
  const cli = new DockerCli(env);
  let ready: Promise<'bridge' | 'host'> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const open = (ctx: StepContext) => {
    ready ??= (async () => {
      const quiet = { ...ctx, log: () => {} };
      await cli.checkEngine(quiet);
      await cli.login(credentials, quiet);
      return networkMode(cli, quiet);
    })();
    // A failed start is tried again by the next model (a Ctrl-C, a login that timed out).
    ready.catch(() => (ready = undefined));
    return ready;
  };

  async function testOne(plan: ModelPlan, image: string, mode: 'bridge' | 'host', ctx: StepContext): Promise<void> {
    if (image.includes('@')) {
      ctx.log(`pulling ${image}`);
      const pulled = await cli.run(['pull', '--quiet', image], { ...ctx, log: () => {} }, 'test');
      if (pulled.exitCode !== 0)
        throw new UaiError('UAI_TEST_FAILED', `docker pull ${image} failed:\n${tailOf(outputOf(pulled))}`, { model: plan.name, step: 'test' });
    }
    await runSmokeTest(cli, image, plan.name, plan.test!, mode, ctx);
  }

  return {
    async test(plan, image, ctx) {
      if (!plan.test) return;
      const mode = await open(ctx);
      if (mode === 'bridge') return testOne(plan, image, mode, ctx);
      // One port for all: one test at a time.
      const mine = queue.then(() => testOne(plan, image, mode, ctx));
      queue = mine.catch(() => undefined);
      return mine;
    },
    ready: async (ctx) => {
      await open(ctx);
    },
    dispose: () => cli.dispose(),
  };
}
