import { RegistryError } from '@uai/oci';
import { describe, expect, it } from 'vitest';
import { kindOfRegistryError, registryFailure } from './registry-failure.js';
import { UaiError } from './uai-error.js';

describe('an untrusted certificate, as our registry client reports it', () => {
  const host = 'registry.example.com:5443';
  const said = `The TLS certificate of ${host} is not trusted (connecting to ${host}): self-signed certificate in certificate chain [SELF_SIGNED_CERT_IN_CHAIN].`;

  it('is its own kind, not "other"', () => {
    expect(kindOfRegistryError(new RegistryError('certificate', said))).toBe('certificate');
  });

  it.each(['login', 'build', 'push'] as const)('fails (1) at %s as UAI_REGISTRY_UNREACHABLE, saying where to put the CA', (step) => {
    const error = registryFailure(new RegistryError('certificate', said), { host, step, model: 'mnist' }) as UaiError;
    expect(error).toBeInstanceOf(UaiError);
    expect(error.code).toBe('UAI_REGISTRY_UNREACHABLE');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(said);
    expect(error.message).toContain(`/etc/docker/certs.d/${host}/ca.crt`);
    expect(error.message).toContain('NODE_EXTRA_CA_CERTS');
  });
});
