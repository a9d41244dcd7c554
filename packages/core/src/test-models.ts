import { access } from 'node:fs/promises';
import { parseReference } from '@uai/oci';
import { credentialsFromEnv } from './builders/credentials.js';
import { NativeSession } from './builders/native/session.js';
import { errorInfo, isUaiError, UaiError } from './errors/uai-error.js';
import type { ModelResult } from './pipeline/result.js';
import { readLastBuild, type BuiltImage } from './plan/last-build.js';
import type { ModelPlan } from './plan/plan.js';
import { prepareRun, type PrepareOptions } from './plan/prepare-run.js';
import { exitCodeFor } from './report/report.js';
import { SecretStore } from './secrets/redact.js';
import { digestReference, dockerTester, type ModelTester } from './smoke/tester.js';

export interface TestOptions extends Pick<PrepareOptions, 'cwd' | 'configFile' | 'models' | 'fallbackFrom' | 'builtin'> {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Told each model's result as it finishes. */
  onResult?: (result: ModelResult) => void;
  /** One line of what is going on. */
  log?: (line: string) => void;
}

/**
 * The image a model's test runs: as its last `uai build` in this project left it (`.uai/last-build.json`,
 * by digest), else what its tag holds now in the registry. Undefined when there is none to run.
 */
async function imageToTest(plan: ModelPlan, built: BuiltImage | undefined, session: NativeSession, signal: AbortSignal): Promise<string | undefined> {
  if (built && built.image === plan.imageRef) return built.digest ? digestReference(plan.imageRef, built.digest) : plan.imageRef;
  const ref = parseReference(plan.imageRef);
  const digest = await session.clientFor(ref.host).manifestDigest(ref.repository, ref.tag ?? 'latest', signal);
  return digest && digestReference(plan.imageRef, digest);
}

/** One model's test: passed, failed (why, quoting the answer), or skipped (no `test:`). */
async function testOne(
  plan: ModelPlan,
  built: BuiltImage | undefined,
  tester: ModelTester,
  session: NativeSession,
  options: TestOptions,
  signal: AbortSignal,
  mask: (text: string) => string,
): Promise<ModelResult> {
  const start = Date.now();
  const result = (status: ModelResult['status'], rest: Partial<ModelResult> = {}): ModelResult => ({
    name: plan.name,
    image: plan.imageRef,
    status,
    durationMs: Date.now() - start,
    ...rest,
  });
  if (!plan.test) return result('skipped');
  let image: string | undefined;
  try {
    await access(plan.test.requestFile).catch(() => {
      throw new UaiError('UAI_MODEL_FILE_MISSING', `${plan.name}: test.request: ${plan.test!.requestFile} does not exist. Create it, or fix test.request.`, {
        step: 'test',
      });
    });
    image = await imageToTest(plan, built, session, signal);
    if (!image)
      throw new UaiError(
        'UAI_TEST_FAILED',
        `${plan.name}: no image to test: ${plan.imageRef} is not in the registry, and this project has not built it. Run uai build first.`,
        { step: 'test' },
      );
    await tester.test(plan, image, { signal, log: (line) => options.log?.(`${plan.name}: ${mask(line)}`) });
    return result('passed', { digest: image.split('@')[1] });
  } catch (error) {
    if (signal.aborted) return result('cancelled', { error: { step: 'test', code: 'UAI_CANCELLED', message: 'stopped: interrupted' } });
    const info = errorInfo(error, 'test');
    return result('failed', { digest: image?.split('@')[1], error: { ...info, message: mask(info.message) } });
  }
}

/**
 * `uai test`: runs each selected model's smoke test against its image in the local Docker engine. No
 * engine is a usage problem (the caller exits 2); a failed test fails its model (exit 1).
 */
export async function testModels(options: TestOptions = {}): Promise<{ models: ModelResult[]; exitCode: number }> {
  const env = options.env ?? process.env;
  const run = await prepareRun({ ...options, env, command: 'test' });
  const signal = options.signal ?? new AbortController().signal;
  const credentials = credentialsFromEnv(
    env,
    run.plans.map((plan) => plan.registryHost),
  );
  const tester = dockerTester(env, credentials);
  const session = new NativeSession({ env, root: run.root, push: false });
  const secrets = SecretStore.of(env);
  try {
    await tester.ready({ signal, log: () => {} });
    await session.login(credentials, signal);
    const last = await readLastBuild(run.root);
    const models: ModelResult[] = [];
    // A few at once (with the host network the tester runs them one by one anyway).
    let next = 0;
    const worker = async () => {
      while (next < run.plans.length) {
        const index = next++;
        const plan = run.plans[index]!;
        models[index] = await testOne(plan, last[plan.name], tester, session, options, signal, (text) => secrets.mask(text));
        options.onResult?.(models[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(run.config.concurrency ?? 4, run.plans.length) }, worker));
    return { models, exitCode: exitCodeFor(models) };
  } catch (error) {
    if (isUaiError(error)) throw error;
    throw new UaiError('UAI_TEST_FAILED', (error as Error).message, { cause: error });
  } finally {
    await Promise.all([tester.dispose(), session.dispose()]);
  }
}
