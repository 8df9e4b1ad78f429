import { describe, expect, it } from 'vitest';
import { wordDiff, type DiffPart } from '../../src/ui/word-diff.js';

const side = (parts: DiffPart[], drop: DiffPart['kind']): string => parts.filter((part) => part.kind !== drop).map((part) => part.text).join('');

describe('wordDiff', () => {
  it('marks the words a revision changed and keeps the rest', () => {
    const parts = wordDiff('Water boils at 90 degrees.', 'Water boils at 100 degrees at sea level.');
    expect(parts).toEqual([
      { kind: 'same', text: 'Water boils at ' },
      { kind: 'removed', text: '90' },
      { kind: 'added', text: '100' },
      { kind: 'same', text: ' ' },
      { kind: 'removed', text: 'degrees.' },
      { kind: 'added', text: 'degrees at sea level.' },
    ]);
  });

  it('gives back both texts whole, for any pair', () => {
    const pairs: [string, string][] = [
      ['', 'new text'],
      ['old text', ''],
      ['same', 'same'],
      ['a b c d e f', 'a x c y e z'],
      ['one two three', 'three two one'],
      ['  lead and trail  ', 'lead and  trail'],
    ];
    for (const [before, after] of pairs) {
      const parts = wordDiff(before, after);
      expect(side(parts, 'added')).toBe(before);
      expect(side(parts, 'removed')).toBe(after);
    }
  });

  it('finds a shortest edit: one inserted word is one addition', () => {
    const parts = wordDiff('the cat sat', 'the black cat sat');
    expect(parts.filter((part) => part.kind !== 'same')).toEqual([{ kind: 'added', text: 'black ' }]);
  });

  it('past maxEdits, calls the middle rewritten', () => {
    const parts = wordDiff('a b c d', 'w x y z', 2);
    expect(parts).toEqual([
      { kind: 'removed', text: 'a b c d' },
      { kind: 'added', text: 'w x y z' },
    ]);
  });

  it('stays fast on long drafts with a small change', () => {
    const words = Array.from({ length: 20_000 }, (_, index) => `w${index}`).join(' ');
    const parts = wordDiff(words, words.replace('w10000', 'changed'));
    expect(parts.filter((part) => part.kind !== 'same')).toEqual([
      { kind: 'removed', text: 'w10000' },
      { kind: 'added', text: 'changed' },
    ]);
  });
});
