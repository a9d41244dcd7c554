import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StepContext } from '../builders/builder.js';
import type { DockerCli } from '../builders/docker/docker-cli.js';
import { UaiError } from '../errors/uai-error.js';
import type { ModelTest } from '../plan/plan.js';
import { startService } from './container.js';
import { checkAnswer } from './expectation.js';

/** One `POST /service` with the request file as the body (streamed: a sample may be big). */
async function post(url: string, test: ModelTest, signal: AbortSignal): Promise<{ status: number; body: string }> {
  const body = Readable.toWeb(createReadStream(test.requestFile)) as ReadableStream;
  const response = await fetch(`${url}/service`, {
    method: 'POST',
    body,
    headers: { 'content-type': test.contentType },
    signal,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: await response.text() };
}

/** Whether a failed request means the server is not up yet (worth asking again), rather than an answer. */
function notUpYet(error: unknown): boolean {
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_CLOSED'];
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code && codes.includes(e.code)) return true;
  }
  return false;
}

/**
 * Runs a model's smoke test on `image` in the local engine: starts it, sends the request until the
 * server answers (within `timeoutMs`, start-up included), checks the answer, and always stops and
 * removes the container. Throws UAI_TEST_FAILED saying why, quoting the answer.
 */
export async function runSmokeTest(cli: DockerCli, image: string, model: string, test: ModelTest, mode: 'bridge' | 'host', ctx: StepContext): Promise<void> {
  const fail = (message: string) => new UaiError('UAI_TEST_FAILED', `${model}: ${message}`, { model, step: 'test' });
  ctx.log(`starting ${image}`);
  const service = await startService(cli, image, model, mode, ctx);
  const deadline = Date.now() + test.timeoutMs;
  try {
    ctx.log(`POST ${service.url}/service`);
    for (let tries = 0; ; tries++) {
      const left = deadline - Date.now();
      if (left <= 0) throw fail(`no answer from POST /service within ${test.timeoutMs} ms (test.timeoutMs). Its output:\n${await service.logs()}`);
      try {
        const answer = await post(service.url, test, AbortSignal.any([ctx.signal, AbortSignal.timeout(left)]));
        const why = checkAnswer(answer, test.expect);
        if (why) throw fail(why);
        return;
      } catch (error) {
        if (ctx.signal.aborted) throw new UaiError('UAI_CANCELLED', 'Stopped.', { model, step: 'test' });
        if (!notUpYet(error)) throw error instanceof UaiError ? error : fail(`POST /service failed: ${(error as Error).message}`);
        // Not listening yet: a container that has exited will never be.
        if (tries % 8 === 7 && !(await service.running())) throw fail(`the container exited before it answered. Its output:\n${await service.logs()}`);
        await sleep(250, undefined, { signal: ctx.signal }).catch(() => undefined);
      }
    }
  } finally {
    await service.stop();
  }
}
