/**
 * One gitignore glob, compiled to a list of steps and matched by simulating every way through it
 * at once (a Thompson-style NFA): each character of the path is read once and advances a set of at
 * most one live position per step, so a match costs O(path length × steps) whatever the pattern.
 * A backtracking matcher (a RegExp, or git's own wildmatch) can take exponential time on a pattern
 * such as `*a*a*a*a*a*a*a*a*a*a*b` against a long run of "a"s; this cannot.
 *
 * Paths and globs are read as Unicode code points, so `?` and a class never split a surrogate pair.
 */

/**
 * What one step of a glob accepts:
 * - `literal`: exactly that code point;
 * - `one`: any code point but "/" (`?`);
 * - `class`: one code point other than "/" inside (or, negated, outside) the ranges (`[...]`);
 * - `star`: any run of code points without "/" (`*`);
 * - `rest`: anything at all, "/" included (a trailing `/**`, or `**` alone);
 * - `directories`: nothing, or anything that ends in "/" (`**` then "/" at the start or in the
 *   middle, and the implicit "at any depth" prefix of a pattern with no "/").
 */
type Step =
  | { kind: 'literal'; codePoint: string }
  | { kind: 'one' }
  | { kind: 'class'; ranges: readonly (readonly [number, number])[]; negated: boolean }
  | { kind: 'star' }
  | { kind: 'rest' }
  | { kind: 'directories' };

export interface Glob {
  readonly steps: readonly Step[];
  /** The literal text every match starts with ("" for a glob that may match at any depth). */
  readonly literalPrefix: string;
  /** The literal text every match ends with. */
  readonly literalSuffix: string;
  /** The longest run of literal text every match holds somewhere. */
  readonly literalCore: string;
}

const SLASH = '/';

/**
 * The compiled glob, or undefined when git's wildmatch would abort on it (an unterminated `[`, an
 * unknown `[:name:]`, a trailing `\`), which then matches nothing. `anyDepth` lets the glob match
 * after any leading directories, as a gitignore pattern without a "/" does.
 */
export function compileGlob(glob: string, anyDepth: boolean): Glob | undefined {
  const characters = Array.from(glob);
  const steps: Step[] = anyDepth ? [{ kind: 'directories' }] : [];
  let index = 0;
  while (index < characters.length) {
    const character = characters[index] as string;
    if (character === '*') {
      let runEnd = index;
      while (characters[runEnd] === '*') runEnd++;
      // "**" is special only as a whole path component; "other consecutive asterisks are
      // considered regular asterisks".
      const wholeComponent =
        runEnd - index >= 2 &&
        (index === 0 || characters[index - 1] === SLASH) &&
        (runEnd === characters.length || characters[runEnd] === SLASH);
      if (!wholeComponent) {
        steps.push({ kind: 'star' });
      } else if (runEnd === characters.length) {
        // "A trailing "/**" matches everything inside."
        steps.push({ kind: 'rest' });
      } else {
        // "A leading "**/" matches in all directories"; "a/**/b" matches "a/b", "a/x/b", "a/x/y/b".
        steps.push({ kind: 'directories' });
        runEnd++;
      }
      index = runEnd;
    } else if (character === '?') {
      steps.push({ kind: 'one' });
      index++;
    } else if (character === '[') {
      const parsed = parseClass(characters, index + 1);
      if (parsed === undefined) return undefined;
      steps.push(parsed.step);
      index = parsed.next;
    } else if (character === '\\') {
      if (index + 1 >= characters.length) return undefined;
      steps.push({ kind: 'literal', codePoint: characters[index + 1] as string });
      index += 2;
    } else {
      steps.push({ kind: 'literal', codePoint: character });
      index++;
    }
  }
  return { steps, literalPrefix: literalPrefix(steps), literalSuffix: literalSuffix(steps), literalCore: longestLiteral(steps) };
}

/** The literal steps that open the glob, as one string. */
function literalPrefix(steps: readonly Step[]): string {
  let text = '';
  for (const step of steps) {
    if (step.kind !== 'literal') break;
    text += step.codePoint;
  }
  return text;
}

/** The longest run of consecutive literal steps, as one string. */
function longestLiteral(steps: readonly Step[]): string {
  let longest = '';
  let run = '';
  for (const step of steps) {
    run = step.kind === 'literal' ? run + step.codePoint : '';
    if (run.length > longest.length) longest = run;
  }
  return longest;
}

/** The literal steps that close the glob, as one string. */
function literalSuffix(steps: readonly Step[]): string {
  let text = '';
  for (let index = steps.length - 1; index >= 0; index--) {
    const step = steps[index] as Step;
    if (step.kind !== 'literal') break;
    text = step.codePoint + text;
  }
  return text;
}

/** Whether the whole of `path` matches the glob. */
export function matchGlob(glob: Glob, path: string): boolean {
  // Cheap refusals first: most paths miss most patterns on the literal text at either end.
  if (!path.startsWith(glob.literalPrefix) || !path.endsWith(glob.literalSuffix) || !path.includes(glob.literalCore)) return false;
  const { steps } = glob;
  const count = steps.length;
  const buffers = scratch(count + 1);
  // at[i]: some way through has matched steps before i and is about to try step i (i === count: done).
  // inside[i]: a `directories` step i has begun consuming and still owes its closing "/".
  let { at, inside, nextAt, nextInside } = buffers;
  at.fill(0, 0, count + 1);
  inside.fill(0, 0, count + 1);
  at[0] = 1;
  skipEmpty(steps, at);
  // for…of reads code points, so `?` and a class never see half of a surrogate pair.
  for (const character of path) {
    nextAt.fill(0, 0, count + 1);
    nextInside.fill(0, 0, count + 1);
    let alive = false;
    for (let index = 0; index < count; index++) {
      if (at[index] === 0 && inside[index] === 0) continue;
      const step = steps[index] as Step;
      switch (step.kind) {
        case 'literal':
          if (at[index] === 1 && character === step.codePoint) {
            nextAt[index + 1] = 1;
            alive = true;
          }
          break;
        case 'one':
          if (at[index] === 1 && character !== SLASH) {
            nextAt[index + 1] = 1;
            alive = true;
          }
          break;
        case 'class':
          if (at[index] === 1 && classAccepts(step, character)) {
            nextAt[index + 1] = 1;
            alive = true;
          }
          break;
        case 'star':
          if (character !== SLASH) {
            nextAt[index] = 1;
            alive = true;
          }
          break;
        case 'rest':
          nextAt[index] = 1;
          alive = true;
          break;
        case 'directories':
          nextInside[index] = 1;
          if (character === SLASH) nextAt[index + 1] = 1;
          alive = true;
          break;
      }
    }
    // No way through is left: the rest of the path cannot change that.
    if (!alive) return false;
    skipEmpty(steps, nextAt);
    [at, nextAt] = [nextAt, at];
    [inside, nextInside] = [nextInside, inside];
  }
  return at[count] === 1;
}

interface Scratch {
  at: Uint8Array;
  inside: Uint8Array;
  nextAt: Uint8Array;
  nextInside: Uint8Array;
}

let shared: Scratch = { at: new Uint8Array(64), inside: new Uint8Array(64), nextAt: new Uint8Array(64), nextInside: new Uint8Array(64) };

/** State arrays reused across calls (matching is synchronous, so never by two at once), grown when a glob needs more. */
function scratch(size: number): Scratch {
  if (shared.at.length < size) {
    const length = Math.max(size, shared.at.length * 2);
    shared = { at: new Uint8Array(length), inside: new Uint8Array(length), nextAt: new Uint8Array(length), nextInside: new Uint8Array(length) };
  }
  return shared;
}

/** Follows the steps that may match nothing (`star`, `rest`, `directories`); they only lead forward, so one pass suffices. */
function skipEmpty(steps: readonly Step[], at: Uint8Array): void {
  for (let index = 0; index < steps.length; index++) {
    const kind = (steps[index] as Step).kind;
    if (at[index] === 1 && (kind === 'star' || kind === 'rest' || kind === 'directories')) at[index + 1] = 1;
  }
}

function classAccepts(step: Extract<Step, { kind: 'class' }>, character: string): boolean {
  if (character === SLASH) return false;
  const codePoint = character.codePointAt(0) ?? 0;
  const inRanges = step.ranges.some(([low, high]) => codePoint >= low && codePoint <= high);
  return inRanges !== step.negated;
}

const POSIX_CLASSES: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  alnum: [range('a', 'z'), range('A', 'Z'), range('0', '9')],
  alpha: [range('a', 'z'), range('A', 'Z')],
  blank: [range(' ', ' '), range('\t', '\t')],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [range('0', '9')],
  graph: [[0x21, 0x7e]],
  lower: [range('a', 'z')],
  print: [[0x20, 0x7e]],
  punct: [range('!', '/'), range(':', '@'), range('[', '`'), range('{', '~')],
  space: [range(' ', ' '), range('\t', '\r')],
  upper: [range('A', 'Z')],
  xdigit: [range('0', '9'), range('A', 'F'), range('a', 'f')],
};

function range(low: string, high: string): readonly [number, number] {
  return [low.codePointAt(0) ?? 0, high.codePointAt(0) ?? 0];
}

/**
 * A bracket expression, read as git's wildmatch reads it: `!` or `^` first negates, `]` first is
 * literal, `\` escapes, `a-z` is a range (a reversed range matches nothing), `[:alpha:]` is a
 * POSIX class, and the class never matches "/". `start` is just past the `[`.
 */
function parseClass(characters: readonly string[], start: number): { step: Step; next: number } | undefined {
  let index = start;
  let negated = false;
  if (characters[index] === '!' || characters[index] === '^') {
    negated = true;
    index++;
  }
  const ranges: (readonly [number, number])[] = [];
  let previous: string | undefined;
  let first = true;
  for (;;) {
    if (index >= characters.length) return undefined;
    let character = characters[index] as string;
    if (character === ']' && !first) break;
    first = false;
    if (character === '\\') {
      index++;
      if (index >= characters.length) return undefined;
      character = characters[index] as string;
    } else if (character === '-' && previous !== undefined && index + 1 < characters.length && characters[index + 1] !== ']') {
      index++;
      let last = characters[index] as string;
      if (last === '\\') {
        index++;
        if (index >= characters.length) return undefined;
        last = characters[index] as string;
      }
      // The member before the "-" was the range's start, not a member of its own.
      ranges.pop();
      const bounds = range(previous, last);
      if (bounds[0] <= bounds[1]) ranges.push(bounds);
      previous = undefined;
      index++;
      continue;
    } else if (character === '[' && characters[index + 1] === ':') {
      const close = characters.indexOf(']', index + 2);
      if (close < 0) return undefined;
      if (close > index + 2 && characters[close - 1] === ':') {
        const posix = POSIX_CLASSES[characters.slice(index + 2, close - 1).join('')];
        if (posix === undefined) return undefined;
        ranges.push(...posix);
        previous = undefined;
        index = close + 1;
        continue;
      }
      // No ":]": wildmatch reads the "[" as an ordinary member.
    }
    ranges.push(range(character, character));
    previous = character;
    index++;
  }
  return { step: { kind: 'class', ranges, negated }, next: index + 1 };
}
