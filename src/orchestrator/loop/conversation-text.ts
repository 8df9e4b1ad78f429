/**
 * The conversation as plain text for prompts that judge or revise an answer (the verifier and the
 * reviser read it; the generator gets the real messages). Deterministic: same messages, same text.
 */
import type { OpenAIChatMessage } from '../../types/openai.js';
import type { DraftToolCall } from '../../types/attempt.js';

export function conversationText(messages: readonly OpenAIChatMessage[]): string {
  return messages
    .map((message) => {
      const parts: string[] = [];
      const text = messageText(message);
      if (text !== '') parts.push(text);
      for (const call of message.tool_calls ?? []) parts.push(`(calls tool ${call.function.name} with ${call.function.arguments})`);
      const role = message.role === 'tool' ? `tool result${message.tool_call_id ? ` for ${message.tool_call_id}` : ''}` : message.role;
      return `[${role}]\n${parts.join('\n') || '(empty)'}`;
    })
    .join('\n\n');
}

export function messageText(message: OpenAIChatMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : part.type === 'image_url' ? '[image]' : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/** The text of the last user message: what the request is about. */
export function lastUserText(messages: readonly OpenAIChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index] as OpenAIChatMessage;
    if (message.role === 'user') return messageText(message);
  }
  return '';
}

/** A draft as the verifier and reviser see it. */
export function draftText(draft: { content: string; toolCalls: readonly DraftToolCall[] }): string {
  const calls = draft.toolCalls.map((call) => `(calls tool ${call.name} with ${call.arguments})`);
  return [draft.content, ...calls].filter((part) => part !== '').join('\n') || '(empty)';
}

export function numbered(items: readonly string[]): string {
  return items.map((item, index) => `${index + 1}. ${item}`).join('\n');
}

export function bulleted(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join('\n');
}
