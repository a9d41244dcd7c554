import type { Dispatcher } from 'undici';

type Undici = typeof import('undici');
let loaded: Promise<Undici> | undefined;

/**
 * undici, imported on first use: it takes about half a second to load, which a run that never talks
 * to a registry (the Docker builder, --dry-run) should not pay.
 */
export function undici(): Promise<Undici> {
  loaded ??= import('undici');
  return loaded;
}

export async function createAgent(): Promise<Dispatcher> {
  const { Agent } = await undici();
  return new Agent({ connections: 8, headersTimeout: 600_000, bodyTimeout: 600_000, keepAliveTimeout: 10_000 });
}

export async function httpRequest(url: string | URL, options: { dispatcher: Dispatcher } & Omit<Dispatcher.RequestOptions, 'origin' | 'path'>): Promise<Dispatcher.ResponseData> {
  const { request } = await undici();
  return request(url, options as never);
}
