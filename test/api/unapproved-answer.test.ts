import { describe, expect, it } from 'vitest';
import { issueList, structuredFormat, unapprovedNote } from '../../src/api/chat/unapproved-answer.js';

describe('the unapproved note', () => {
  it('follows the answer after a Markdown rule, naming the issues without their final periods', () => {
    expect(unapprovedNote('Lyon.', ['Wrong city.', 'Too long...'])).toBe('\n\n---\n⚠ rlm could not verify this answer. Unresolved: Wrong city; Too long.');
  });

  it('stands alone when there is no answer text (a turn that only calls tools), and says only the warning without issues', () => {
    expect(unapprovedNote('', ['Wrong tool.'])).toBe('⚠ rlm could not verify this answer. Unresolved: Wrong tool.');
    expect(unapprovedNote('Lyon.', [])).toBe('\n\n---\n⚠ rlm could not verify this answer.');
  });

  it('names an issue once, drops blank ones, and counts past three', () => {
    expect(issueList(['a', 'a.', '  ', 'b', 'c', 'd'])).toBe('a; b; c (and 1 more)');
  });

  it('applies to content that must parse only under json_object and json_schema', () => {
    expect(structuredFormat({ response_format: { type: 'json_object' } })).toBe('json_object');
    expect(structuredFormat({ response_format: { type: 'json_schema', json_schema: {} } })).toBe('json_schema');
    expect(structuredFormat({ response_format: { type: 'text' } })).toBeUndefined();
    expect(structuredFormat({ response_format: null })).toBeUndefined();
  });
});
