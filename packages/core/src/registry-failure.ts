import { writtenRegistryHost } from '@uai/oci';
import { UaiError } from './errors.js';

export interface FailureContext {
  host: string;
  step: 'login' | 'build' | 'push';
  model?: string;
  username?: string;
  baseImage?: string;
}

/** The registry host of an image reference: `uhub.ucloud.cn/uaishare/x:v1` -> `uhub.ucloud.cn`; `docker.io` when none. */
export function registryHostOf(reference: string): string {
  return writtenRegistryHost(reference) ?? 'docker.io';
}

const unreachable =
  /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|no route to host|server misbehaving|TLS handshake timeout|connection reset by peer/i;
const plainHttp = /server gave HTTP response to HTTPS client/i;
const badCertificate = /x509:|certificate signed by unknown authority|certificate is not valid/i;
const unauthorized = /unauthorized|authentication required|incorrect username or password|no basic auth credentials|\b401\b/i;
const denied = /denied|forbidden|\b403\b/i;

/**
 * Turns what the Docker CLI printed about a registry into a message that says what to fix.
 * Pure, so each case is a table-driven test.
 */
export function classifyRegistryFailure(output: string, ctx: FailureContext): UaiError {
  const options = { model: ctx.model, step: ctx.step };
  const detail = output.trim();
  // For a base image, the registry is the one in its reference, whatever host the caller passed.
  const host = ctx.baseImage ? registryHostOf(ctx.baseImage) : ctx.host;
  const about = ctx.baseImage ? `the base image ${ctx.baseImage}` : `registry ${host}`;
  const About = about[0].toUpperCase() + about.slice(1);
  if (plainHttp.test(detail)) {
    return new UaiError(
      'UAI_REGISTRY_UNREACHABLE',
      `Registry ${host} answers over plain HTTP, but Docker talks HTTPS to it. Add "${host}" to "insecure-registries" in the Docker daemon's daemon.json (or serve it over TLS).\n${detail}`,
      options,
    );
  }
  if (badCertificate.test(detail)) {
    return new UaiError(
      'UAI_REGISTRY_UNREACHABLE',
      `Registry ${host} presented a TLS certificate Docker does not trust. Install its CA certificate for Docker (/etc/docker/certs.d/${host}/ca.crt), or check the host name.\n${detail}`,
      options,
    );
  }
  if (unreachable.test(detail)) {
    return new UaiError(
      'UAI_REGISTRY_UNREACHABLE',
      `Cannot reach ${about}: the connection to ${host} failed. Check the host name and your network (or UAI_REGISTRY_HOST).\n${detail}`,
      options,
    );
  }
  if (unauthorized.test(detail)) {
    const who = ctx.username ? ` for user ${ctx.username}` : '';
    return new UaiError(
      'UAI_AUTH_FAILED',
      `Authentication to ${about} failed${who}. Check UHUB_USERNAME and UHUB_PASSWORD (or run docker login ${host}).\n${detail}`,
      options,
    );
  }
  if (denied.test(detail)) {
    const fix = ctx.baseImage
      ? 'Check aiArchV/baseImage: the image may not exist, or your account may not pull it (docker login ' + host + ').'
      : 'Check registry.namespace and that your account (UHUB_USERNAME) may push to it.';
    return new UaiError('UAI_AUTH_FAILED', `${About} refused access (denied). ${fix}\n${detail}`, options);
  }
  if (ctx.step === 'build') {
    return new UaiError('UAI_BUILD_FAILED', `Pulling ${about} failed. Check aiArchV/baseImage and that the registry holds it.\n${detail}`, options);
  }
  const what = ctx.step === 'push' ? 'Pushing' : 'Logging in';
  return new UaiError(
    ctx.step === 'push' ? 'UAI_PUSH_FAILED' : 'UAI_AUTH_FAILED',
    `${what} to registry ${host} failed. Check the output below and run again.\n${detail}`,
    options,
  );
}
