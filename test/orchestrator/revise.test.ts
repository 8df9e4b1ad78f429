import { describe, expect, it } from 'vitest';
import { comparableText, sameDraft } from '../../src/orchestrator/loop/revise.js';

describe('comparableText: whitespace that does not change an answer', () => {
  it.each([
    ['line endings', 'a\r\nb\rc', 'a\nb\nc'],
    ['spaces at line ends and blank lines at either end', '\n\na  \nb\t\n\n', 'a\nb'],
    ['runs of spaces or tabs inside a line', 'The  capital\tis   Paris.', 'The capital is Paris.'],
    ['runs of blank lines, and blank lines holding only spaces', 'a\n\n   \n\n\nb', 'a\n\nb'],
  ])('%s', (_name, text, expected) => {
    expect(comparableText(text)).toBe(expected);
  });

  it('keeps indentation, which is meaning in Python, YAML and Markdown lists', () => {
    expect(comparableText('def f():\nreturn 1')).not.toBe(comparableText('def f():\n    return 1'));
    expect(comparableText('- a\n  - b')).not.toBe(comparableText('- a\n- b'));
  });
});

describe('sameDraft', () => {
  it('compares the text whitespace aside and the tool calls exactly', () => {
    expect(sameDraft({ content: 'Paris. ', toolCalls: [] }, { content: 'Paris.', toolCalls: [] })).toBe(true);
    expect(sameDraft({ content: '', toolCalls: [{ name: 'w', arguments: '{"city":"Paris"}' }] }, { content: '', toolCalls: [{ name: 'w', arguments: '{"city":"Lyon"}' }] })).toBe(false);
  });
});
