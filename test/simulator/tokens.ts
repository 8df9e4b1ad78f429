/**
 * The simulator's "tokenizer": a token is optional leading whitespace plus a run of non-space
 * characters, so joining the tokens gives back the text exactly. Counts are deterministic so tests
 * can predict prompt_eval_count and eval_count.
 */

/** Trailing whitespace becomes a token of its own so nothing is lost. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

/** Per chat message: its words plus 4 for the template around it. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

export function countMessageTokens(messages: readonly { content?: unknown }[]): number {
  return messages.reduce(
    (total, message) =>
      total + MESSAGE_OVERHEAD_TOKENS + (typeof message.content === 'string' ? countWords(message.content) : 0),
    0,
  );
}

/** 32-bit FNV-1a. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const VOCABULARY_SIZE = 128_000;

/** Stand-in token ids for generate's `context`. */
export function tokenIds(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => fnv1a(word) % VOCABULARY_SIZE);
}

export interface LimitedContent {
  tokens: string[];
  /** Set when a stop string or num_predict cut the content. */
  reason: 'stop' | 'length' | undefined;
}

/**
 * Replays generation token by token: options.stop cuts the text just before the earliest stop
 * string (which is not emitted), and options.num_predict ends it after that many tokens, whichever
 * comes first.
 */
export function limitContent(text: string, stop: readonly string[], numPredict: number | undefined): LimitedContent {
  const stopAt = Math.min(...stop.map((sequence) => text.indexOf(sequence)).filter((index) => index !== -1));
  const tokens: string[] = [];
  let emitted = 0;
  for (const token of splitTokens(text)) {
    if (numPredict !== undefined && tokens.length >= numPredict) return { tokens, reason: 'length' };
    if (emitted + token.length > stopAt) {
      const before = token.slice(0, stopAt - emitted);
      if (before !== '') tokens.push(before);
      return { tokens, reason: 'stop' };
    }
    tokens.push(token);
    emitted += token.length;
  }
  return { tokens, reason: undefined };
}
