import { registryNameOf } from '@uai/oci';
import { classifyRegistryFailure } from '../../errors/registry-failure.js';
import { UaiError } from '../../errors/uai-error.js';
import type { ModelPlan } from '../../plan/plan.js';

/**
 * What the Docker CLI's output means, read as text: which lines matter, whether a build failed
 * pulling its base image, whether a push failed for a reason worth another try. Pure, so each case
 * is a row in a table of real outputs.
 */

/** Lines the Docker CLI prints on every build that say nothing about what failed. */
const noise = /^(DEPRECATED: The legacy builder|\s*Install the buildx component|\s*https:\/\/docs\.docker\.com\/go\/buildx)/;

/** Last lines of a child's output, for an error message. */
export function tailOf(output: string, lines = 6): string {
  return output
    .trim()
    .split('\n')
    .filter((line) => line && !noise.test(line))
    .slice(-lines)
    .join('\n');
}

/** Words a registry or the network says when an image cannot be pulled. */
const pullFailure =
  /pull access denied|manifest unknown|not found|unauthorized|no basic auth credentials|authentication required|denied|forbidden|connection refused|no such host|i\/o timeout|dial tcp|TLS handshake timeout|x509:|server gave HTTP response|unexpected status/i;

/** A failing COPY, ADD or RUN says "not found" or "denied" about the build context or its own command. */
const stepFailure = /failed to compute cache key|failed to calculate checksum|COPY failed|ADD failed|returned a non-zero code|did not complete successfully/i;

/** The legacy builder starts the step after FROM only once the base image is there. */
const secondStep = /^Step 2\/\d+ :/;

/** `host/path/name:tag@sha256:...` -> `path/name` (`ubuntu:14.04` -> `ubuntu`), as pull errors quote it. */
function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0];
  const host = registryNameOf(withoutDigest);
  const path = withoutDigest.startsWith(`${host}/`) ? withoutDigest.slice(host.length + 1) : withoutDigest;
  return path.replace(/:[^/:]*$/, '');
}

/** BuildKit's ids (`#3`) of the steps that resolve or pull the base: their ERROR lines are about it. */
function baseStepIds(lines: readonly string[], repository: string): Set<string> {
  const ids = lines
    .map((line) => /^(#\d+) (?:\[internal\] load metadata for|\[[^\]]*\] FROM) (\S+)/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[2].includes(repository))
    .map((match) => match[1]);
  return new Set(ids);
}

/**
 * Whether `docker build` failed pulling its FROM image, rather than in a later step: a pull error that
 * names the base's repository or registry host, or sits under BuildKit's step for the base, printed
 * before the legacy builder moved on to step 2. A COPY of a missing file also says "not found", and a
 * RUN may fail to reach the same host: neither is about the base.
 */
export function isBasePullFailure(output: string, baseImage: string): boolean {
  const repository = repositoryOf(baseImage);
  const host = registryNameOf(baseImage);
  const all = output.split('\n');
  const cut = all.findIndex((line) => secondStep.test(line));
  const lines = cut === -1 ? all : all.slice(0, cut);
  const baseSteps = baseStepIds(lines, repository);
  return lines.some(
    (line) => pullFailure.test(line) && !stepFailure.test(line) && (line.includes(repository) || line.includes(host) || baseSteps.has(line.split(' ')[0])),
  );
}

/** The Docker engine (or the disk under it) is full. */
export function isDiskFull(output: string): boolean {
  return /no space left on device/i.test(output);
}

/** A registry's passing trouble: a 5xx, 429 (too many requests), or the connection cut or timed out. */
const transient =
  /received unexpected HTTP status: (5\d\d|429)|\b(500 Internal Server Error|502 Bad Gateway|503 Service Unavailable|504 Gateway Timeout)\b|toomanyrequests|too many requests|connection reset by peer|unexpected EOF|broken pipe|i\/o timeout|TLS handshake timeout/i;

/** An answer that another try will not change: the credentials, the permission or the request is wrong. */
const permanent =
  /unauthorized|authentication required|no basic auth credentials|denied|forbidden|name unknown|name invalid|manifest invalid|blob unknown|received unexpected HTTP status: 4(?!29)\d\d/i;

/** Whether a failed `docker push` is worth another try. */
export function isTransientPushFailure(output: string): boolean {
  return transient.test(output) && !permanent.test(output);
}

/**
 * What a failed `docker build` means for the user: a full engine disk, a base image that could not be
 * pulled (said as a registry failure), or a failing step of the Dockerfile, each with its output's tail.
 */
export function buildFailure(output: string, plan: ModelPlan): UaiError {
  const where = { model: plan.name, step: 'build' };
  if (isDiskFull(output)) {
    return new UaiError(
      'UAI_DISK_FULL',
      `The Docker engine ran out of disk space building ${plan.imageRef}. Free space where it keeps images (docker system prune; docker info shows its Docker Root Dir) and run again.\n${tailOf(output)}`,
      where,
    );
  }
  if (isBasePullFailure(output, plan.baseImage)) {
    return classifyRegistryFailure(tailOf(output), { host: registryNameOf(plan.baseImage), step: 'build', model: plan.name, baseImage: plan.baseImage });
  }
  return new UaiError('UAI_BUILD_FAILED', `docker build failed:\n${tailOf(output)}`, where);
}
