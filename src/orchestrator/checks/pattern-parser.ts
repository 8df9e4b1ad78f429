/**
 * The parser half of linear-pattern.ts: a JSON Schema `pattern` (ECMA-262 syntax, read with Unicode
 * semantics) to a tree of characters, assertions, sequences, choices and repetitions, or a
 * PatternError saying what is refused and where. See linear-pattern.ts for what is accepted and why.
 *
 * A class is tested by a one-character RegExp of the class alone: a class has no quantifier inside,
 * so V8 cannot backtrack on it, and its semantics (ranges, `\p{…}`, negation) stay V8's own.
 */

/** Groups nested deeper than this are refused (the parser recurses per group). */
const MAX_GROUP_DEPTH = 50;
/** A `{n,m}` bound above this is refused outright, before any copy is made. */
const MAX_REPEAT_COUNT = 1000;

/** `irregular`: a backreference or a lookaround, which no linear-time matcher can run. */
export class PatternError extends Error {
  constructor(
    message: string,
    readonly irregular = false,
  ) {
    super(message);
  }
}

export type Matcher = (codePoint: number) => boolean;
export type Assertion = 'start' | 'end' | 'boundary' | 'notBoundary';

export type PatternNode =
  | { type: 'empty' }
  | { type: 'char'; matches: Matcher }
  | { type: 'assert'; assertion: Assertion }
  | { type: 'sequence'; items: PatternNode[] }
  | { type: 'choice'; options: PatternNode[] }
  | { type: 'repeat'; body: PatternNode; min: number; max: number };

const LINE_TERMINATORS = new Set([0x0a, 0x0d, 0x2028, 0x2029]);

export function parsePattern(source: string): PatternNode {
  return new Parser(source).parse();
}

class Parser {
  #index = 0;
  constructor(private readonly source: string) {}

  parse(): PatternNode {
    const tree = this.#choice(0);
    if (this.#index < this.source.length) throw new PatternError(`it has an unmatched ")" at character ${this.#index + 1}`);
    return tree;
  }

  #peek(offset = 0): string | undefined {
    return this.source[this.#index + offset];
  }

  #choice(depth: number): PatternNode {
    const options = [this.#sequence(depth)];
    while (this.#peek() === '|') {
      this.#index++;
      options.push(this.#sequence(depth));
    }
    return options.length === 1 ? (options[0] as PatternNode) : { type: 'choice', options };
  }

  #sequence(depth: number): PatternNode {
    const items: PatternNode[] = [];
    for (;;) {
      const character = this.#peek();
      if (character === undefined || character === '|' || character === ')') break;
      const atom = this.#atom(depth);
      items.push(this.#quantified(atom));
    }
    if (items.length === 0) return { type: 'empty' };
    return items.length === 1 ? (items[0] as PatternNode) : { type: 'sequence', items };
  }

  #atom(depth: number): PatternNode {
    const start = this.#index;
    const character = this.source[start] as string;
    switch (character) {
      case '^':
        this.#index++;
        return { type: 'assert', assertion: 'start' };
      case '$':
        this.#index++;
        return { type: 'assert', assertion: 'end' };
      case '.':
        this.#index++;
        return { type: 'char', matches: (codePoint) => !LINE_TERMINATORS.has(codePoint) };
      case '(':
        return this.#group(depth);
      case '[':
        return this.#characterClass();
      case '\\':
        return this.#escape();
      case '*':
      case '+':
      case '?':
        throw new PatternError(`it has nothing to repeat before "${character}" at character ${start + 1}`);
      case '{':
        if (this.#repeatBounds() !== undefined) throw new PatternError(`it has nothing to repeat before "{" at character ${start + 1}`);
        break;
    }
    const codePoint = this.source.codePointAt(start) as number;
    this.#index += codePoint > 0xffff ? 2 : 1;
    return literal(codePoint);
  }

  #group(depth: number): PatternNode {
    const at = this.#index + 1;
    if (depth >= MAX_GROUP_DEPTH) throw new PatternError(`it nests groups more than ${MAX_GROUP_DEPTH} deep`);
    this.#index++;
    if (this.#peek() === '?') {
      const kind = this.source.slice(this.#index, this.#index + 3);
      if (kind.startsWith('?:')) this.#index += 2;
      else if (kind.startsWith('?=') || kind.startsWith('?!') || kind === '?<=' || kind === '?<!') {
        throw new PatternError(`it uses a lookaround "(${kind.startsWith('?<') ? kind : kind.slice(0, 2)}" at character ${at}`, true);
      } else if (kind.startsWith('?<')) {
        const close = this.source.indexOf('>', this.#index);
        if (close < 0) throw new PatternError(`it has an unterminated group name at character ${at}`);
        this.#index = close + 1;
      } else {
        throw new PatternError(`it uses a group modifier "(${kind.slice(0, 2)}" at character ${at}, which is not supported`);
      }
    }
    const body = this.#choice(depth + 1);
    if (this.#peek() !== ')') throw new PatternError(`it has an unterminated group opened at character ${at}`);
    this.#index++;
    return body;
  }

  #characterClass(): PatternNode {
    const start = this.#index;
    let index = start + 1;
    while (index < this.source.length && this.source[index] !== ']') index += this.source[index] === '\\' ? 2 : 1;
    if (index >= this.source.length) throw new PatternError(`it has an unterminated class "[" at character ${start + 1}`);
    this.#index = index + 1;
    const text = this.source.slice(start, index + 1);
    const matches = classMatcher(text);
    if (matches === undefined) throw new PatternError(`its class ${text} at character ${start + 1} is not a valid regular expression class`);
    return { type: 'char', matches };
  }

  #escape(): PatternNode {
    const at = this.#index + 1;
    const next = this.#peek(1);
    if (next === undefined) throw new PatternError('it ends with a lone "\\"');
    this.#index += 2;
    switch (next) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        return { type: 'char', matches: classMatcher(`\\${next}`) as Matcher };
      case 'b':
        return { type: 'assert', assertion: 'boundary' };
      case 'B':
        return { type: 'assert', assertion: 'notBoundary' };
      case 't':
        return literal(0x09);
      case 'n':
        return literal(0x0a);
      case 'v':
        return literal(0x0b);
      case 'f':
        return literal(0x0c);
      case 'r':
        return literal(0x0d);
      case 'k':
        throw new PatternError(`it uses a backreference "\\k" at character ${at}`, true);
      case 'c': {
        const letter = this.#peek();
        if (letter !== undefined && /^[A-Za-z]$/.test(letter)) {
          this.#index++;
          return literal(letter.charCodeAt(0) % 32);
        }
        return literal(0x5c); // Annex B: "\c" without a letter is a backslash and a "c"
      }
      case 'x': {
        const hex = this.source.slice(this.#index, this.#index + 2);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return literal(0x78);
        this.#index += 2;
        return literal(parseInt(hex, 16));
      }
      case 'u':
        return literal(this.#unicodeEscape());
      case 'p':
      case 'P': {
        const close = this.#peek() === '{' ? this.source.indexOf('}', this.#index) : -1;
        const text = close < 0 ? '' : `\\${next}${this.source.slice(this.#index, close + 1)}`;
        const matches = text === '' ? undefined : classMatcher(text, 'u');
        if (matches === undefined) throw new PatternError(`its property escape at character ${at} is not a valid "\\${next}{…}"`);
        this.#index = close + 1;
        return { type: 'char', matches };
      }
    }
    if (next === '0' && !/^[0-9]$/.test(this.#peek() ?? '')) return literal(0);
    if (/^[0-9]$/.test(next)) {
      throw new PatternError(`it uses a backreference "\\${next}" at character ${at}`, true);
    }
    // Any other escaped character stands for itself ("\.", "\/", and the legacy "\-").
    const codePoint = this.source.codePointAt(this.#index - 1) as number;
    if (codePoint > 0xffff) this.#index++;
    return literal(codePoint);
  }

  /** After "\u": "{hex}", or four hex digits (a surrogate pair written as two escapes is one code point). */
  #unicodeEscape(): number {
    if (this.#peek() === '{') {
      const close = this.source.indexOf('}', this.#index);
      const hex = close < 0 ? '' : this.source.slice(this.#index + 1, close);
      if (/^[0-9A-Fa-f]{1,6}$/.test(hex) && parseInt(hex, 16) <= 0x10ffff) {
        this.#index = close + 1;
        return parseInt(hex, 16);
      }
      return 0x75;
    }
    const hex = this.source.slice(this.#index, this.#index + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(hex)) return 0x75; // Annex B: a "\u" that is no escape is a "u"
    this.#index += 4;
    const high = parseInt(hex, 16);
    const low = /^\\u([dD][c-fC-F][0-9A-Fa-f]{2})/.exec(this.source.slice(this.#index))?.[1];
    if (high >= 0xd800 && high <= 0xdbff && low !== undefined) {
      this.#index += 6;
      return (high - 0xd800) * 0x400 + (parseInt(low, 16) - 0xdc00) + 0x10000;
    }
    return high;
  }

  #quantified(atom: PatternNode): PatternNode {
    let node = atom;
    for (;;) {
      const at = this.#index + 1;
      const character = this.#peek();
      let bounds: { min: number; max: number } | undefined;
      if (character === '*') bounds = { min: 0, max: Infinity };
      else if (character === '+') bounds = { min: 1, max: Infinity };
      else if (character === '?') bounds = { min: 0, max: 1 };
      else if (character === '{') bounds = this.#repeatBounds();
      if (bounds === undefined) return node;
      if (node.type === 'assert' || node !== atom) throw new PatternError(`it has nothing to repeat before "${character}" at character ${at}`);
      if (character === '{') this.#index = this.source.indexOf('}', this.#index) + 1;
      else this.#index++;
      if (this.#peek() === '?') this.#index++; // lazy: the same texts match
      node = { type: 'repeat', body: atom, min: bounds.min, max: bounds.max };
    }
  }

  /** "{n}", "{n,}" or "{n,m}" at the current position, without consuming it; undefined when it is a literal "{". */
  #repeatBounds(): { min: number; max: number } | undefined {
    REPEAT_BOUNDS.lastIndex = this.#index;
    const match = REPEAT_BOUNDS.exec(this.source);
    if (match === null) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    if (min > MAX_REPEAT_COUNT || (max !== Infinity && max > MAX_REPEAT_COUNT)) {
      throw new PatternError(`it repeats something more than ${MAX_REPEAT_COUNT} times ("${match[0]}")`);
    }
    if (max < min) throw new PatternError(`its repetition "${match[0]}" has its numbers out of order`);
    return { min, max };
  }
}

const REPEAT_BOUNDS = /\{(\d+)(,(\d*))?\}/y;

function literal(codePoint: number): PatternNode {
  return { type: 'char', matches: (candidate) => candidate === codePoint };
}

/** A one-character test by V8's own class semantics; ASCII answers are cached. Undefined when it does not compile. */
function classMatcher(source: string, onlyFlags?: string): Matcher | undefined {
  let expression: RegExp | undefined;
  for (const flags of onlyFlags === undefined ? ['u', ''] : [onlyFlags]) {
    try {
      expression = new RegExp(source, flags);
      break;
    } catch {
      // Try the legacy syntax next.
    }
  }
  if (expression === undefined) return undefined;
  const test = expression;
  const ascii = new Int8Array(128).fill(-1);
  return (codePoint) => {
    if (codePoint < 128) {
      const known = ascii[codePoint] as number;
      if (known >= 0) return known === 1;
      const result = test.test(String.fromCharCode(codePoint));
      ascii[codePoint] = result ? 1 : 0;
      return result;
    }
    return test.test(String.fromCodePoint(codePoint));
  };
}
