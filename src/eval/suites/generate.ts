/**
 * What the generated suites share: drawing from a seeded PRNG (mulberry32, src/utils/seeded-random.ts),
 * numbering tasks, and interleaving templates so that the first N tasks of a suite (`--limit N`)
 * cover every template rather than the first one only.
 */
import { seededRandom } from '../../utils/seeded-random.js';

export type Random = () => number;

export interface Draw {
  /** A whole number in [low, high]. */
  int(low: number, high: number): number;
  pick<T>(items: readonly T[]): T;
  /** `count` different items, in the order drawn. */
  sample<T>(items: readonly T[], count: number): T[];
}

export function draw(seed: number, suite: string): Draw {
  // One stream per suite, so adding a task to one suite does not change another's.
  let mixed = seed >>> 0;
  for (const character of suite) mixed = Math.imul(mixed ^ (character.codePointAt(0) as number), 0x9e3779b1) >>> 0;
  const random = seededRandom(mixed);
  const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  return {
    int,
    pick: (items) => items[int(0, items.length - 1)] as (typeof items)[number],
    sample: (items, count) => {
      const pool = [...items];
      const chosen: (typeof pool)[number][] = [];
      while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(int(0, pool.length - 1), 1)[0] as (typeof pool)[number]);
      return chosen;
    },
  };
}

/** Round-robin over the groups, in order: a1 b1 c1 a2 b2 c2 … */
export function interleave<T>(groups: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...groups.map((group) => group.length));
  for (let index = 0; index < longest; index++) for (const group of groups) if (index < group.length) out.push(group[index] as T);
  return out;
}

/** "arithmetic-007": ids in order, three digits. */
export function numberedId(suite: string, index: number): string {
  return `${suite}-${String(index + 1).padStart(3, '0')}`;
}

/** The sentence every numeric task ends with, so the final number is easy to find. */
export const ANSWER_LINE = 'End your reply with a line of the form "Answer: <number>".';

/** Rounds to `places` decimals, without binary noise such as 0.30000000000000004. */
export function round(value: number, places: number): number {
  return Number(value.toFixed(places));
}
