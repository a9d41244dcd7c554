import { registryNameOf, RegistryError, RetryableStatus, isResetError } from '@uai/oci';
import { UaiError, type UaiErrorCode } from './uai-error.js';

/** Where a registry failed us, for the message: the step, the host, and the model or base image. */
export interface FailureContext {
  host: string;
  step: 'login' | 'build' | 'push' | 'lock';
  model?: string;
  username?: string;
  /** The failure was about this base image (reading or pulling it), not the model's own repository. */
  baseImage?: string;
}

/** What kind of failure, whoever noticed it: our registry client, or the Docker CLI's output. */
export type FailureKind = 'plain-http' | 'certificate' | 'unreachable' | 'auth' | 'denied' | 'insecure' | 'unavailable' | 'digest' | 'other';

interface Advice {
  code: UaiErrorCode;
  /** What happened, in the user's terms (used when the detail is another tool's output). */
  says: string;
  /** What to do. */
  fix: string;
}

/** The one table of registry failures: per kind and step, the code, what happened and what to do. */
function advice(kind: FailureKind, ctx: FailureContext, source: 'docker' | 'client'): Advice {
  // For a base image, the registry is the one in its reference, whatever host the caller passed.
  const host = ctx.baseImage ? registryNameOf(ctx.baseImage) : ctx.host;
  const about = ctx.baseImage ? `the base image ${ctx.baseImage}` : `registry ${host}`;
  const About = about[0]!.toUpperCase() + about.slice(1);
  const failed: UaiErrorCode = ctx.step === 'push' ? 'UAI_PUSH_FAILED' : ctx.step === 'login' ? 'UAI_AUTH_FAILED' : 'UAI_BUILD_FAILED';
  switch (kind) {
    case 'plain-http':
      return {
        code: 'UAI_REGISTRY_UNREACHABLE',
        says: `Registry ${host} answers over plain HTTP, but Docker talks HTTPS to it.`,
        fix: `Add "${host}" to "insecure-registries" in the Docker daemon's daemon.json (or serve it over TLS).`,
      };
    case 'certificate':
      return {
        code: 'UAI_REGISTRY_UNREACHABLE',
        says: `Registry ${host} presented a TLS certificate ${source === 'docker' ? 'Docker does' : 'we do'} not trust.`,
        fix:
          source === 'docker'
            ? `Install its CA certificate for Docker (/etc/docker/certs.d/${host}/ca.crt), or check the host name.`
            : `Put its CA certificate in /etc/docker/certs.d/${host}/ca.crt (Docker's place for it; UAI_DOCKER_CERTS_DIR moves the folder) or in a file NODE_EXTRA_CA_CERTS names, or check the host name.`,
      };
    case 'unreachable':
      return {
        code: 'UAI_REGISTRY_UNREACHABLE',
        says: `Cannot reach ${about}: the connection to ${host} failed.`,
        fix: 'Check the host name and your network (or UAI_REGISTRY_HOST).',
      };
    case 'auth':
      return {
        code: 'UAI_AUTH_FAILED',
        says: `Authentication to ${about} failed${ctx.username ? ` for user ${ctx.username}` : ''}.`,
        fix: `Check UHUB_USERNAME and UHUB_PASSWORD (or run docker login ${host}).`,
      };
    case 'denied':
      return {
        code: 'UAI_AUTH_FAILED',
        says: `${About} refused access (denied).`,
        fix: ctx.baseImage
          ? `Check aiArchV/baseImage: the image may not exist, or your account may not pull it (docker login ${host}).`
          : 'Check registry.namespace and that your account (UHUB_USERNAME) may push to it.',
      };
    case 'insecure':
      return { code: 'UAI_AUTH_FAILED', says: `Refusing to send credentials to ${host} over plain http.`, fix: '' };
    case 'unavailable':
      return { code: failed, says: `${About} is having trouble.`, fix: '' };
    case 'digest':
      // Our client's message names the digest; a manifest or blob that does not hash to it is never used.
      return {
        code: failed,
        says: `${About} sent other bytes than their digest names.`,
        fix: `${
          ctx.step === 'push'
            ? 'The registry sent other bytes than the digest names, or stored other bytes than uai sent, or a file of the model changed while uai read it.'
            : 'The registry sent other bytes than the digest names, so nothing was pushed for this model.'
        } Run again once the model's files no longer change; if it happens again, the registry's copy is damaged or something between uai and the registry changes data.`,
      };
    case 'other':
      if (ctx.step === 'build' || ctx.step === 'lock') {
        return { code: 'UAI_BUILD_FAILED', says: `Pulling ${about} failed.`, fix: `Check aiArchV/baseImage and that ${host} holds it.` };
      }
      // The Docker CLI's output follows the message; our client's own message already says what failed.
      return {
        code: failed,
        says: `${ctx.step === 'push' ? 'Pushing' : 'Logging in'} to registry ${host} failed.`,
        fix: source === 'docker' ? 'Check the output below and run again.' : '',
      };
  }
}

const unreachable =
  /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|no route to host|server misbehaving|TLS handshake timeout|connection reset by peer/i;
const plainHttp = /server gave HTTP response to HTTPS client/i;
const badCertificate = /x509:|certificate signed by unknown authority|certificate is not valid/i;
const unauthorized = /unauthorized|authentication required|incorrect username or password|no basic auth credentials|\b401\b/i;
const denied = /denied|forbidden|\b403\b/i;

/** The kind of failure the Docker CLI's output describes. Pure, so each case is a row of a table. */
export function kindOfDockerOutput(output: string): FailureKind {
  if (plainHttp.test(output)) return 'plain-http';
  if (badCertificate.test(output)) return 'certificate';
  if (unreachable.test(output)) return 'unreachable';
  if (unauthorized.test(output)) return 'auth';
  if (denied.test(output)) return 'denied';
  return 'other';
}

/** The kind of a failure our registry client threw (or of a passing trouble that got past its retries). */
export function kindOfRegistryError(error: unknown): FailureKind | undefined {
  if (error instanceof RegistryError) {
    if (
      error.kind === 'auth' ||
      error.kind === 'denied' ||
      error.kind === 'insecure' ||
      error.kind === 'unreachable' ||
      error.kind === 'unavailable' ||
      error.kind === 'digest' ||
      error.kind === 'certificate'
    )
      return error.kind;
    return 'other';
  }
  if (error instanceof RetryableStatus || isResetError(error)) return 'unavailable';
  return undefined;
}

/**
 * Turns what the Docker CLI printed about a registry into a message that says what happened and what
 * to fix, its output last for the details.
 */
export function classifyRegistryFailure(output: string, ctx: FailureContext): UaiError {
  const detail = output.trim();
  const { code, says, fix } = advice(kindOfDockerOutput(detail), ctx, 'docker');
  return new UaiError(code, `${says} ${fix}\n${detail}`, { model: ctx.model, step: ctx.step });
}

/**
 * Turns what our registry client threw into the error the user sees: its own message (it already says
 * what was being done, where), then what to do. Anything that is not a registry failure is returned as is.
 */
export function registryFailure(error: unknown, ctx: FailureContext): unknown {
  const kind = kindOfRegistryError(error);
  if (!kind) return error;
  const { code, fix } = advice(kind, ctx, 'client');
  const message =
    kind === 'unavailable' && !(error instanceof RegistryError)
      ? `${ctx.step === 'build' ? 'building' : 'pushing'} ${ctx.model} on ${ctx.host}: ${(error as Error).message}; the registry is having trouble, try again later.`
      : (error as Error).message;
  return new UaiError(code, fix ? `${message}\n${fix}` : message, { model: ctx.model, step: ctx.step, cause: error });
}
