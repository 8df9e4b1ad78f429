/**
 * Go's json.Decoder, as far as a client can see it: decode the FIRST value of the body (trailing
 * bytes are ignored, as gin's ShouldBindJSON does) and fail with encoding/json's syntax messages,
 * e.g. "invalid character 'x' looking for beginning of value" or "unexpected EOF".
 */

export class GoJsonSyntaxError extends Error {
  override readonly name = 'GoJsonSyntaxError';
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const STRCONV_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\',
};

/** encoding/json's quoteChar: single quotes, strconv escapes, non-ASCII shown as its first byte. */
function quoteChar(character: string): string {
  if (character === "'") return "'\\''";
  if (character === '"') return `'"'`;
  const escaped = STRCONV_ESCAPES[character];
  if (escaped !== undefined) return `'${escaped}'`;
  const code = character.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  if (code > 0x7f) return `'\\x${(Buffer.from(character)[0] ?? 0).toString(16)}'`;
  return `'${character}'`;
}

function invalid(character: string, context: string): GoJsonSyntaxError {
  return new GoJsonSyntaxError(`invalid character ${quoteChar(character)} ${context}`);
}

function unexpectedEof(): GoJsonSyntaxError {
  return new GoJsonSyntaxError('unexpected EOF');
}

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= '0' && character <= '9';
}

class Scanner {
  constructor(private readonly text: string) {}

  skipSpace(index: number): number {
    let position = index;
    while (position < this.text.length && WHITESPACE.has(this.text[position] ?? '')) position += 1;
    return position;
  }

  at(index: number): string {
    const character = this.text[index];
    if (character === undefined) throw unexpectedEof();
    return character;
  }

  value(start: number): number {
    const index = this.skipSpace(start);
    const character = this.at(index);
    if (character === '{') return this.object(index + 1);
    if (character === '[') return this.array(index + 1);
    if (character === '"') return this.string(index + 1);
    if (character === '-' || isDigit(character)) return this.number(index);
    if (character === 't') return this.literal(index, 'true');
    if (character === 'f') return this.literal(index, 'false');
    if (character === 'n') return this.literal(index, 'null');
    throw invalid(character, 'looking for beginning of value');
  }

  object(start: number): number {
    let index = this.skipSpace(start);
    if (this.at(index) === '}') return index + 1;
    for (;;) {
      if (this.at(index) !== '"') throw invalid(this.at(index), 'looking for beginning of object key string');
      index = this.skipSpace(this.string(index + 1));
      if (this.at(index) !== ':') throw invalid(this.at(index), 'after object key');
      index = this.skipSpace(this.value(index + 1));
      const next = this.at(index);
      if (next === '}') return index + 1;
      if (next !== ',') throw invalid(next, 'after object key:value pair');
      index = this.skipSpace(index + 1);
    }
  }

  array(start: number): number {
    let index = this.skipSpace(start);
    if (this.at(index) === ']') return index + 1;
    for (;;) {
      index = this.skipSpace(this.value(index));
      const next = this.at(index);
      if (next === ']') return index + 1;
      if (next !== ',') throw invalid(next, 'after array element');
      index += 1;
    }
  }

  string(start: number): number {
    let index = start;
    for (;;) {
      const character = this.at(index);
      if (character === '"') return index + 1;
      if (character === '\\') {
        const escape = this.at(index + 1);
        if (SIMPLE_ESCAPES.has(escape)) {
          index += 2;
        } else if (escape === 'u') {
          for (let offset = 2; offset < 6; offset += 1) {
            const hex = this.at(index + offset);
            if (!/[0-9a-fA-F]/.test(hex)) throw invalid(hex, 'in \\u hexadecimal character escape');
          }
          index += 6;
        } else {
          throw invalid(escape, 'in string escape code');
        }
      } else if (character < ' ') {
        throw invalid(character, 'in string literal');
      } else {
        index += 1;
      }
    }
  }

  /** A number at the very end of the body is complete; inside a container the container reports EOF. */
  number(start: number): number {
    let index = start;
    if (this.text[index] === '-') {
      index += 1;
      if (!isDigit(this.at(index))) throw invalid(this.at(index), 'in numeric literal');
    }
    if (this.text[index] === '0') index += 1;
    else while (isDigit(this.text[index])) index += 1;
    if (this.text[index] === '.') {
      index += 1;
      if (!isDigit(this.at(index))) throw invalid(this.at(index), 'after decimal point in numeric literal');
      while (isDigit(this.text[index])) index += 1;
    }
    if (this.text[index] === 'e' || this.text[index] === 'E') {
      index += 1;
      if (this.text[index] === '+' || this.text[index] === '-') index += 1;
      if (!isDigit(this.at(index))) throw invalid(this.at(index), 'in exponent of numeric literal');
      while (isDigit(this.text[index])) index += 1;
    }
    return index;
  }

  literal(start: number, word: string): number {
    for (let offset = 1; offset < word.length; offset += 1) {
      const character = this.at(start + offset);
      if (character !== word[offset]) throw invalid(character, `in literal ${word} (expecting '${word[offset]}')`);
    }
    return start + word.length;
  }
}

/** The first JSON value of `text`. Throws GoJsonSyntaxError; the caller handles the empty body. */
export function decodeFirstValue(text: string): unknown {
  const end = new Scanner(text).value(0);
  return JSON.parse(text.slice(0, end)) as unknown;
}
