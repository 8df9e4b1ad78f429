/**
 * The validator behind rlm.config.json: it collects every problem with its key path instead of
 * stopping at the first, and suggests the key that was probably meant.
 */

export type JsonObject = Record<string, unknown>;

/** Collects every problem rather than stopping at the first, so one edit can fix the whole file. */
export class Checker {
  readonly problems: string[] = [];

  report(path: string, message: string): void {
    this.problems.push(path === '' ? message : `${path}: ${message}`);
  }

  /** The value as an object, reporting each key not in `keys` (undefined: any key is allowed). */
  object(value: unknown, path: string, keys: readonly string[] | undefined, expected = 'must be an object'): JsonObject | undefined {
    if (!isJsonObject(value)) {
      this.report(path, `${expected}, got ${describe(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (keys === undefined || keys.includes(key)) continue;
      const guess = closest(key, keys);
      this.report(path, `unknown key ${JSON.stringify(key)}${guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`}`);
    }
    return value;
  }

  wholeNumber(value: unknown, path: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.report(path, `must be a whole number from ${min} to ${max}, got ${describe(value)}`);
    return fallback;
  }

  choice<Choice extends string>(value: unknown, path: string, choices: readonly Choice[], fallback: Choice): Choice {
    if (value === undefined) return fallback;
    if ((choices as readonly unknown[]).includes(value)) return value as Choice;
    const quoted = choices.map((choice) => JSON.stringify(choice));
    this.report(path, `must be ${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}, got ${describe(value)}`);
    return fallback;
  }

  boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.report(path, `must be true or false, got ${describe(value)}`);
    return fallback;
  }

  /** A model name; undefined (and a problem unless absent) when it is not one. */
  model(value: unknown, path: string): string | undefined {
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (value !== undefined) this.report(path, `must be an Ollama model name such as "llama3.2:3b", got ${describe(value)}`);
    return undefined;
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The candidate a typo most likely meant: case, "_" and "-" ignored, then within a third of its length in edits. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const squash = (text: string): string => text.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(squash(word), squash(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Edit distance counting a swap of neighbours as one edit ("fsat" is one from "fast"), a row at a time. */
function editDistance(from: string, to: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index);
  for (let row = 1; row <= from.length; row++) {
    const current = [row];
    for (let column = 1; column <= to.length; column++) {
      const cost = from[row - 1] === to[column - 1] ? 0 : 1;
      let distance = Math.min((previous[column - 1] as number) + cost, (previous[column] as number) + 1, (current[column - 1] as number) + 1);
      const swapped = row > 1 && column > 1 && from[row - 1] === to[column - 2] && from[row - 2] === to[column - 1];
      if (swapped) distance = Math.min(distance, (beforePrevious[column - 2] as number) + 1);
      current.push(distance);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[to.length] as number;
}
