/**
 * rlm's own note on an unapproved answer (src/api/chat/unapproved-answer.ts) comes back in the history:
 * editors send earlier assistant turns as they showed them. The models of a run must not see it,
 * or a small model copies the warning into its next answer and the verifier judges rlm's words.
 * The trace keeps the request as received; only the run's view of it loses the notes.
 */
import type { OpenAIChatMessage } from '../../types/openai.js';

/** The note's first words; the api layer builds the note from this, so the two cannot drift. */
export const UNAPPROVED_NOTE_OPENING = '⚠ rlm could not verify this answer.';

/** The note at the end of a text: the optional Markdown rule before it, the opening, the issues line. */
const TRAILING_NOTE = /(?:\n\n---\n)?⚠ rlm could not verify this answer\.(?: Unresolved: [^\n]*)?\s*$/u;

/** The messages with rlm's note removed from the end of every assistant turn; the same array when none had one. */
export function withoutOwnNotes(messages: readonly OpenAIChatMessage[]): OpenAIChatMessage[] {
  let changed = false;
  const cleaned = messages.map((message) => {
    if (message.role !== 'assistant') return message;
    const { content } = message;
    if (typeof content === 'string') {
      const stripped = content.replace(TRAILING_NOTE, '');
      if (stripped === content) return message;
      changed = true;
      return { ...message, content: stripped };
    }
    if (!Array.isArray(content)) return message;
    const last = content.findLastIndex((part) => part.type === 'text' && typeof part.text === 'string');
    const part = content[last];
    if (part === undefined || part.type !== 'text' || typeof part.text !== 'string') return message;
    const stripped = part.text.replace(TRAILING_NOTE, '');
    if (stripped === part.text) return message;
    changed = true;
    return { ...message, content: content.map((each, index) => (index === last ? { ...part, text: stripped } : each)) };
  });
  return changed ? cleaned : [...messages];
}
