import { UaiError } from './errors.js';

export interface FailureContext {
  host: string;
  step: 'login' | 'build' | 'push';
  model?: string;
  username?: string;
  baseImage?: string;
}

/**
 * Turns what the Docker CLI printed about a registry into a message that says what to fix.
 * Pure, so each case is a table-driven test.
 */
export function classifyRegistryFailure(output: string, ctx: FailureContext): UaiError {
  const options = { model: ctx.model, step: ctx.step };
  const detail = output.trim();
  const about = ctx.baseImage ? `the base image ${ctx.baseImage}` : `registry ${ctx.host}`;
  if (/connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|no route to host|server misbehaving|TLS handshake timeout/i.test(detail)) {
    return new UaiError('UAI_REGISTRY_UNREACHABLE', `Cannot reach ${about}: the connection failed. Check the host name and your network (or UAI_REGISTRY_HOST).\n${detail}`, options);
  }
  if (/unauthorized|authentication required|incorrect username or password|401/i.test(detail)) {
    const who = ctx.username ? ` for user ${ctx.username}` : '';
    return new UaiError(
      'UAI_AUTH_FAILED',
      `Authentication to ${about} failed${who}. Check UHUB_USERNAME and UHUB_PASSWORD (or run docker login ${ctx.host}).\n${detail}`,
      options,
    );
  }
  if (/denied|forbidden|403/i.test(detail)) {
    return new UaiError(
      'UAI_AUTH_FAILED',
      `${about} refused access (denied). Check that your account may push to this namespace.\n${detail}`,
      options,
    );
  }
  if (ctx.step === 'build') {
    return new UaiError('UAI_BUILD_FAILED', `Pulling ${about} failed. Check aiArchV/baseImage and that the registry holds it.\n${detail}`, options);
  }
  return new UaiError(ctx.step === 'push' ? 'UAI_PUSH_FAILED' : 'UAI_AUTH_FAILED', `${ctx.step} to registry ${ctx.host} failed.\n${detail}`, options);
}
