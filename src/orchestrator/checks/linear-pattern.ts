/**
 * JSON Schema `pattern`s (ECMA-262 regular expressions) matched in linear time. A client's schema
 * is compiled to a Thompson NFA and run by stepping the set of live states over the text, each code
 * point read once: O(text length × states) whatever the pattern, so `^(a+)+$` against
 * "aaaa…a!" costs a few thousand steps where V8's backtracking RegExp takes seconds, then minutes.
 * Nested quantifiers are therefore accepted, not refused: `^(\w+\s?)+$` is common in real schemas.
 *
 * What cannot be matched this way is refused with a reason: backreferences (`\1`, `\k<name>`) and
 * lookarounds (`(?=`, `(?!`, `(?<=`, `(?<!`) are not regular, and JSON Schema's own advice on
 * patterns (2020-12 core §6.4, "Regular Expressions") leaves them out of the interoperable subset;
 * so are inline modifiers. Everything else of that subset is here: literals, `.`, classes (with
 * `\d \w \s \p{…}`), `^ $ \b \B`, groups (capturing, named, `(?:`), `|`, and the greedy and lazy
 * quantifiers `* + ? {n} {n,} {n,m}` (laziness does not change whether a text matches). Patterns
 * read with Unicode semantics (`u`), as JSON Schema asks; escapes that only the legacy syntax
 * allows (`\-` outside a class) are taken as the character, as before. The syntax is read by
 * pattern-parser.ts; this file is the automaton.
 */
import type { WorkBudget } from './work-budget.js';
import { parsePattern, PatternError, type Assertion, type Matcher, type PatternNode } from './pattern-parser.js';

/** Longer pattern sources are refused: a schema's pattern is a line, not a program. */
export const MAX_PATTERN_LENGTH = 1000;
/** NFA states once `{n,m}` copies are counted; `(a{100}){100}` is 10 000 and is refused. */
export const MAX_PATTERN_STATES = 5000;

export interface LinearPattern {
  readonly source: string;
  /** The NFA's size: what matching costs per character, at most. */
  readonly states: number;
  /** RegExp.prototype.test: does the pattern match anywhere in the text. One budget step per state visited. */
  test(text: string, budget: WorkBudget): boolean;
}

/** `irregular`: refused for a backreference or a lookaround, which no linear-time matcher can run. */
export type PatternCompilation = { ok: true; pattern: LinearPattern } | { ok: false; reason: string; irregular: boolean };

export function compileLinearPattern(source: string): PatternCompilation {
  if (source.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `it is longer than ${MAX_PATTERN_LENGTH} characters`, irregular: false };
  try {
    const tree = parsePattern(source);
    return { ok: true, pattern: new Automaton(source, tree) };
  } catch (error) {
    if (error instanceof PatternError) return { ok: false, reason: error.message, irregular: error.irregular };
    throw error;
  }
}

const compiledBySchema = new WeakMap<object, Map<string, PatternCompilation>>();

/** compileLinearPattern, once per schema object that holds the pattern (a schema, or its patternProperties). */
export function schemaPattern(owner: object, source: string): PatternCompilation {
  let patterns = compiledBySchema.get(owner);
  if (patterns === undefined) {
    patterns = new Map();
    compiledBySchema.set(owner, patterns);
  }
  let compiled = patterns.get(source);
  if (compiled === undefined) {
    compiled = compileLinearPattern(source);
    patterns.set(source, compiled);
  }
  return compiled;
}

const CHAR = 0;
const SPLIT = 1;
const ASSERT = 2;
const MATCH = 3;

/** The NFA as parallel arrays: state i is kinds[i], with up to two next states. */
class Automaton implements LinearPattern {
  readonly #kinds: number[] = [];
  readonly #next: number[] = [];
  readonly #other: number[] = [];
  readonly #matchers: (Matcher | undefined)[] = [];
  readonly #assertions: (Assertion | undefined)[] = [];
  readonly #start: number;
  #marks: Int32Array = new Int32Array(0);
  #generation = 0;

  constructor(
    readonly source: string,
    tree: PatternNode,
  ) {
    const match = this.#add(MATCH, -1);
    this.#start = this.#compile(tree, match);
    this.#marks = new Int32Array(this.#kinds.length).fill(-1);
  }

  get states(): number {
    return this.#kinds.length;
  }

  #add(kind: number, next: number, other = -1, matcher?: Matcher, assertion?: Assertion): number {
    if (this.#kinds.length >= MAX_PATTERN_STATES) {
      throw new PatternError(`it needs more than ${MAX_PATTERN_STATES} states once its repetitions are counted`);
    }
    this.#kinds.push(kind);
    this.#next.push(next);
    this.#other.push(other);
    this.#matchers.push(matcher);
    this.#assertions.push(assertion);
    return this.#kinds.length - 1;
  }

  /** Builds the states for `node` leading to `next`, back to front, and returns its first state. */
  #compile(node: PatternNode, next: number): number {
    switch (node.type) {
      case 'empty':
        return next;
      case 'char':
        return this.#add(CHAR, next, -1, node.matches);
      case 'assert':
        return this.#add(ASSERT, next, -1, undefined, node.assertion);
      case 'sequence': {
        let start = next;
        for (let index = node.items.length - 1; index >= 0; index--) start = this.#compile(node.items[index] as PatternNode, start);
        return start;
      }
      case 'choice': {
        const starts = node.options.map((option) => this.#compile(option, next));
        let start = starts[starts.length - 1] as number;
        for (let index = starts.length - 2; index >= 0; index--) start = this.#add(SPLIT, starts[index] as number, start);
        return start;
      }
      case 'repeat': {
        let tail = next;
        if (node.max === Infinity) {
          const loop = this.#add(SPLIT, -1, next);
          this.#next[loop] = this.#compile(node.body, loop);
          tail = loop;
        } else {
          for (let copy = node.min; copy < node.max; copy++) tail = this.#add(SPLIT, this.#compile(node.body, tail), next);
        }
        for (let copy = 0; copy < node.min; copy++) tail = this.#compile(node.body, tail);
        return tail;
      }
    }
  }

  test(text: string, budget: WorkBudget): boolean {
    const codePoints: number[] = [];
    for (const character of text) codePoints.push(character.codePointAt(0) as number);
    let current: number[] = [];
    let following: number[] = [];
    this.#nextGeneration();
    if (this.#close(current, this.#start, codePoints, 0, budget)) return true;
    for (let position = 0; position < codePoints.length; position++) {
      const codePoint = codePoints[position] as number;
      this.#nextGeneration();
      following.length = 0;
      budget.spend(current.length);
      for (const state of current) {
        if ((this.#matchers[state] as Matcher)(codePoint) && this.#close(following, this.#next[state] as number, codePoints, position + 1, budget)) return true;
      }
      // test() searches: a match may also begin at the next position.
      if (this.#close(following, this.#start, codePoints, position + 1, budget)) return true;
      [current, following] = [following, current];
      if (current.length === 0 && this.#anchoredAtStart()) return false;
    }
    return false;
  }

  #nextGeneration(): void {
    this.#generation++;
    if (this.#generation === 0x7fffffff) {
      this.#marks.fill(-1);
      this.#generation = 0;
    }
  }

  /** Adds `state` and everything reachable from it without reading a character; true when that reaches the match. */
  #close(into: number[], state: number, codePoints: readonly number[], position: number, budget: WorkBudget): boolean {
    const pending = [state];
    let visited = 0;
    let matched = false;
    while (pending.length > 0) {
      const current = pending.pop() as number;
      if (this.#marks[current] === this.#generation) continue;
      this.#marks[current] = this.#generation;
      visited++;
      switch (this.#kinds[current]) {
        case CHAR:
          into.push(current);
          break;
        case SPLIT:
          pending.push(this.#other[current] as number, this.#next[current] as number);
          break;
        case ASSERT:
          if (holds(this.#assertions[current] as Assertion, codePoints, position)) pending.push(this.#next[current] as number);
          break;
        case MATCH:
          matched = true;
          break;
      }
    }
    budget.spend(visited);
    return matched;
  }

  /** Whether every match must start at position 0 (the first state is `^`), so a dead set means no match. */
  #anchoredAtStart(): boolean {
    return this.#kinds[this.#start] === ASSERT && this.#assertions[this.#start] === 'start';
  }
}

function isWordCharacter(codePoint: number | undefined): boolean {
  return codePoint !== undefined && (codePoint === 0x5f || (codePoint >= 0x30 && codePoint <= 0x39) || ((codePoint | 0x20) >= 0x61 && (codePoint | 0x20) <= 0x7a));
}

function holds(assertion: Assertion, codePoints: readonly number[], position: number): boolean {
  switch (assertion) {
    case 'start':
      return position === 0;
    case 'end':
      return position === codePoints.length;
    case 'boundary':
      return isWordCharacter(codePoints[position - 1]) !== isWordCharacter(codePoints[position]);
    case 'notBoundary':
      return isWordCharacter(codePoints[position - 1]) === isWordCharacter(codePoints[position]);
  }
}
