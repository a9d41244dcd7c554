export const lockFileName = 'uai.lock.json';

/**
 * `uai.lock.json`: each base image reference a build uses, resolved to the registry's manifest digest,
 * so a moved tag cannot change a build. Written by `uai lock`, read by `uai build`.
 */
export interface LockFile {
  version: 1;
  /** base image reference as planned (`host/uaishare/...:v1.2`) -> `sha256:...` */
  images: Record<string, string>;
}

const digestPattern = /^sha256:[a-f0-9]{64}$/;

/** Parses a lock file's text; returns the problem instead of throwing. */
export function parseLockFile(text: string): { lock?: LockFile; problem?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problem: `is not valid JSON (${(error as Error).message})` };
  }
  const images = (raw as { images?: unknown })?.images;
  if ((raw as { version?: unknown })?.version !== 1 || typeof images !== 'object' || images === null) {
    return { problem: 'is not a version 1 lock file' };
  }
  for (const [ref, digest] of Object.entries(images)) {
    if (typeof digest !== 'string' || !digestPattern.test(digest)) return { problem: `has a bad digest for ${ref}` };
  }
  return { lock: { version: 1, images: images as Record<string, string> } };
}

export function serializeLockFile(images: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(images).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify({ version: 1, images: sorted }, null, 2)}\n`;
}

/** The base image references a set of plans uses, once each; ones already pinned by digest need no lock. */
export function lockableImages(plans: readonly { baseImage: string }[]): string[] {
  return [...new Set(plans.map((plan) => plan.baseImage).filter((ref) => !ref.includes('@')))].sort();
}

/** `host/path:tag` + digest -> `host/path:tag@sha256:...` (Docker resolves by the digest; the tag stays for people). */
export function pinnedReference(ref: string, digest: string): string {
  return `${ref}@${digest}`;
}

/**
 * Pins each plan's base image to the lock. Pure. Says what is stale: a base image the lock does not
 * know (a model or aiArchV changed since `uai lock`). Entries no selected model uses are left alone:
 * `--model` builds a subset.
 */
export function applyLock<Plan extends { name: string; baseImage: string }>(plans: readonly Plan[], lock: LockFile): { plans: Plan[]; stale: string[] } {
  const stale: string[] = [];
  const pinned = plans.map((plan) => {
    if (plan.baseImage.includes('@')) return plan;
    const digest = lock.images[plan.baseImage];
    if (!digest) {
      stale.push(`${plan.name}: ${plan.baseImage} is not in ${lockFileName}`);
      return plan;
    }
    return { ...plan, baseImage: pinnedReference(plan.baseImage, digest) };
  });
  return { plans: pinned, stale };
}
