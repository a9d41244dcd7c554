import { writtenRegistryHost } from '@uai/oci';

/**
 * What the platform and Docker accept for the values that reach a Dockerfile, an image reference or
 * the service config. Anything else is rejected while validating, so no value can add an instruction
 * to a Dockerfile or break out of a JSON string.
 */

/** UHub repository (`uhub_registry`): lowercase only, as UCloud's doc says. */
export const namespacePattern = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const tag = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';

/** `name:tag` under the namespace (Docker's reference grammar; the tag is required). */
export const imagePattern = new RegExp(`^${pathComponent}(?:/${pathComponent})*:${tag}$`);

/**
 * Why a value is not a valid `image`, in the user's terms; undefined when it is one. A first path
 * component that Docker would read as a registry host (`uhub.ucloud.cn/ns/app:v1`, `localhost/app:v1`)
 * is refused too: the image is pushed under registry.host and registry.namespace, and would land in a
 * repository named after the host.
 */
export function imageProblem(value: string): string | undefined {
  const general = 'must be name:tag, the name in lowercase letters, digits and . _ -, like caffe-inference:v1';
  const host = writtenRegistryHost(value);
  if (host !== undefined) {
    if (!/^[A-Za-z0-9.:-]+$/.test(host)) return general;
    return `starts with a registry host (${host}): give only name:tag; it is pushed as <registry.host>/<registry.namespace>/<image>, so set those for where it goes`;
  }
  if (imagePattern.test(value)) return undefined;
  if (value === '') return `is empty: ${general}`;
  if (/\s/.test(value)) return 'contains a space or line break: use name:tag with - or _ instead';
  // A suggestion only when it is itself valid; otherwise the rule.
  const suggest = (fixed: string, say: string) => (imagePattern.test(fixed) ? say : general);
  if (!value.includes(':')) return suggest(`${value.toLowerCase()}:v1`, `has no tag: add one, like ${value.toLowerCase()}:v1`);
  const name = value.slice(0, value.lastIndexOf(':'));
  const lower = `${name.toLowerCase()}${value.slice(name.length)}`;
  if (name !== name.toLowerCase()) return suggest(lower, `the name must be lowercase: ${lower}`);
  return general;
}

/** A registry host with an optional port: `uhub.ucloud.cn`, `127.0.0.1:5000`, `[::1]:5000`. */
export const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]{1,5})?$/;

const domainComponent = '(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])';
/**
 * What Docker takes as a registry host in front of a path: a name with a dot or a port, `localhost`, or
 * an IPv6 address. Anything else (`UPPER/x`) is the first path component, which must be lowercase.
 */
const referenceHost = `(?:${domainComponent}(?:\\.${domainComponent})+(?::[0-9]{1,5})?|${domainComponent}:[0-9]{1,5}|localhost|\\[[0-9A-Fa-f:]+\\](?::[0-9]{1,5})?)`;

/** A full image reference, as `baseImage` takes it: `host/path:tag` or `host/path@sha256:...`. */
export const imageReferencePattern = new RegExp(`^(?:${referenceHost}/)?${pathComponent}(?:/${pathComponent})*(?::${tag})?(?:@sha256:[a-f0-9]{64})?$`);

/** A Python module path (`mnist_inference`, `pkg.mod`): what `main_file` imports. */
export const pythonModulePattern = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A Python class name. */
export const pythonIdentifierPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A model or file base name: no separators, no leading dot, nothing a shell or JSON would care about. */
export const fileNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** Names of models: used as folder names and in logs. */
export const modelNamePattern = /^[a-z0-9][a-z0-9_.-]*$/;

/** `aiArchV`, `os`, `pythonVersion`: catalog keys; UCloud spells one with a space (`caffe-intel 1.0.0`). */
export const catalogKeyPattern = /^[A-Za-z0-9][A-Za-z0-9_. -]*$/;

/**
 * Checks a relative path from the config: not absolute, no `..`, no empty or control characters.
 * Returns a reason when the path is unsafe, or undefined when it is fine.
 */
export function unsafeRelativePath(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters (newlines, tabs)';
  if (/["'`\\]/.test(value)) return 'must not contain quotes or backslashes';
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) return 'must be relative, not absolute';
  if (value.split('/').includes('..')) return "must stay inside its folder (no '..')";
  return undefined;
}
