import { describe, expect, it } from 'vitest';
import { unapprovedNote } from '../../src/api/chat/unapproved-answer.js';
import { withoutOwnNotes } from '../../src/orchestrator/loop/own-notes.js';
import type { OpenAIChatMessage } from '../../src/types/openai.js';

describe('withoutOwnNotes', () => {
  it('removes the note the api layer appends, and only from assistant turns', () => {
    const note = unapprovedNote('Lyon.', ['It names the wrong city.', `x${'y'.repeat(300)}`, 'a', 'b']);
    const messages: OpenAIChatMessage[] = [
      { role: 'user', content: `quote: Lyon.${note}` },
      { role: 'assistant', content: `Lyon.${note}` },
      { role: 'assistant', content: unapprovedNote('', ['only tools']), tool_calls: [] },
    ];
    expect(withoutOwnNotes(messages).map((message) => message.content)).toEqual([`quote: Lyon.${note}`, 'Lyon.', '']);
  });

  it('leaves a note that is not at the end, and text parts other than the last', () => {
    const note = unapprovedNote('A', ['b']);
    const parts: OpenAIChatMessage = { role: 'assistant', content: [{ type: 'text', text: `A${note}` }, { type: 'text', text: `B${note}` }] };
    const middle: OpenAIChatMessage = { role: 'assistant', content: `A${note}\nand more` };
    const [cleanedParts, cleanedMiddle] = withoutOwnNotes([parts, middle]);
    expect(cleanedParts?.content).toEqual([{ type: 'text', text: `A${note}` }, { type: 'text', text: 'B' }]);
    expect(cleanedMiddle).toBe(middle);
  });
});
