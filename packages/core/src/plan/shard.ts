/** Shard K (1-based) of N: the part of a batch one machine builds (`uai build --shard K/N`). */
export interface Shard {
  index: number;
  total: number;
}

/** `2/3` -> { index: 2, total: 3 }; undefined for anything else (`0/3`, `4/3`, `a/b`, `1/0`). */
export function parseShard(text: string): Shard | undefined {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  if (!match) return undefined;
  const index = Number(match[1]);
  const total = Number(match[2]);
  return index >= 1 && total >= 1 && index <= total ? { index, total } : undefined;
}

/**
 * Splits models into `total` shards, balanced by the bytes each packs: largest first, each to the
 * shard with the fewest bytes so far (the lowest index among equals). Pure and deterministic: the same
 * models and sizes give the same split on every machine (ties between models go by name). With at least
 * `total` models, no shard is empty (the first `total` models each go to an empty one).
 */
export function assignShards(models: readonly { name: string; bytes: number }[], total: number): Map<string, number> {
  const order = [...models].sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const load = new Array<number>(total).fill(0);
  const count = new Array<number>(total).fill(0);
  const shards = new Map<string, number>();
  for (const model of order) {
    let best = 0;
    for (let i = 1; i < total; i++) {
      if (load[i]! < load[best]! || (load[i] === load[best] && count[i]! < count[best]!)) best = i;
    }
    load[best]! += model.bytes;
    count[best]! += 1;
    shards.set(model.name, best + 1);
  }
  return shards;
}
