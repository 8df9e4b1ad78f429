/**
 * Cursor's known BYOK bug (docs/reference/clients.md §5): for some models its backend POSTs a Responses-API body
 * (`input`, `instructions`, flat tools) to /chat/completions and still expects chat.completion
 * chunks back. This converts such a body into the chat shape; the chat parser then validates it.
 *
 * Errors about the Responses-specific parts name their `input[i]…` path, so the caller sees the
 * field it actually sent.
 */
import type { OpenAIChatMessage, OpenAIContentPart, OpenAIToolCall } from '../../types/openai.js';
import { InvalidRequestError } from '../../utils/errors.js';
import { parseToolArguments } from '../chat/chat-messages.js';
import { imageDataFromUrl } from '../image-data-url.js';
import {
  fieldPath,
  indexPath,
  invalidType,
  isPresent,
  isRecord,
  missingParameter,
  optionalEnum,
  optionalString,
  requiredString,
  unknownFields,
} from '../validate.js';

/** Fields of the Responses body that the conversion consumes; the rest passes through unchanged. */
const CONVERTED_FIELDS: ReadonlySet<string> = new Set(['input', 'instructions', 'tools', 'text', 'reasoning', 'max_output_tokens']);

const MESSAGE_ROLES = ['user', 'assistant', 'system', 'developer'] as const;

export function isResponsesShaped(body: Record<string, unknown>): boolean {
  return !isPresent(body['messages']) && isPresent(body['input']);
}

/** A new chat-shaped body; the caller's object is not touched. */
export function fromResponsesBody(body: Record<string, unknown>): Record<string, unknown> {
  const chat = unknownFields(body, CONVERTED_FIELDS);
  chat['messages'] = toChatMessages(body);
  const tools = toChatTools(body['tools']);
  if (tools !== undefined) chat['tools'] = tools;
  const reasoning = body['reasoning'];
  if (!isPresent(chat['reasoning_effort']) && isRecord(reasoning) && isPresent(reasoning['effort'])) {
    chat['reasoning_effort'] = reasoning['effort'];
  }
  if (!isPresent(chat['max_completion_tokens']) && !isPresent(chat['max_tokens']) && isPresent(body['max_output_tokens'])) {
    chat['max_completion_tokens'] = body['max_output_tokens'];
  }
  const format = toResponseFormat(body['text']);
  if (!isPresent(chat['response_format']) && format !== undefined) chat['response_format'] = format;
  return chat;
}

function toChatMessages(body: Record<string, unknown>): OpenAIChatMessage[] {
  const messages: OpenAIChatMessage[] = [];
  const instructions = optionalString(body, 'instructions');
  if (instructions !== undefined && instructions !== '') messages.push({ role: 'system', content: instructions });
  const input = body['input'];
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else if (Array.isArray(input)) input.forEach((item: unknown, index) => appendItem(messages, item, indexPath('input', index)));
  else throw invalidType('input', 'a string or an array of input items', input);
  return messages;
}

function appendItem(messages: OpenAIChatMessage[], item: unknown, path: string): void {
  if (!isRecord(item)) throw invalidType(path, 'an object', item);
  const type = optionalString(item, 'type', fieldPath(path, 'type')) ?? 'message';
  switch (type) {
    case 'message': {
      const role = optionalEnum(item, 'role', MESSAGE_ROLES, fieldPath(path, 'role'));
      if (role === undefined) throw missingParameter(fieldPath(path, 'role'));
      messages.push({ role, content: toChatContent(item['content'], fieldPath(path, 'content')) });
      return;
    }
    case 'function_call': {
      const argumentText = optionalString(item, 'arguments', fieldPath(path, 'arguments')) ?? '{}';
      parseToolArguments(argumentText, fieldPath(path, 'arguments'));
      appendToolCall(messages, toolCall(item, path, argumentText));
      return;
    }
    // A freeform ("custom") tool's input is a plain string; as a function call it becomes {input}.
    case 'custom_tool_call': {
      const input = optionalString(item, 'input', fieldPath(path, 'input')) ?? '';
      appendToolCall(messages, toolCall(item, path, JSON.stringify({ input })));
      return;
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const callId = requiredString(item, 'call_id', fieldPath(path, 'call_id'));
      const output = item['output'];
      const content = isPresent(output) ? toChatContent(output, fieldPath(path, 'output')) : '';
      messages.push({ role: 'tool', tool_call_id: callId, content });
      return;
    }
    // OpenAI's own (often encrypted) reasoning items mean nothing to a local model.
    case 'reasoning':
      return;
    // A stored item named by id (@ai-sdk/openai sends these by default, store: true). rlm stores
    // nothing; a reasoning item would be skipped anyway, so a reference to one loses nothing.
    case 'item_reference': {
      const id = requiredString(item, 'id', fieldPath(path, 'id'));
      if (id.startsWith('rs-') || id.startsWith('rs_')) return;
      throw new InvalidRequestError(
        `Input item '${id}' is of type 'item_reference', and rlm keeps no items between requests: send the item itself. With @ai-sdk/openai, set providerOptions: { openai: { store: false } }.`,
        fieldPath(path, 'type'),
        'unsupported_input_type',
      );
    }
    default:
      throw new InvalidRequestError(
        `Unsupported input item type '${type}'; supported types are 'message', 'function_call' and 'function_call_output'.`,
        fieldPath(path, 'type'),
        'unsupported_input_type',
      );
  }
}

function toolCall(item: Record<string, unknown>, path: string, argumentText: string): OpenAIToolCall {
  const callId = requiredString(item, 'call_id', fieldPath(path, 'call_id'));
  const name = requiredString(item, 'name', fieldPath(path, 'name'));
  return { id: callId, type: 'function', function: { name, arguments: argumentText } };
}

/** Consecutive calls after an assistant turn belong to that turn, as in the chat shape. */
function appendToolCall(messages: OpenAIChatMessage[], call: OpenAIToolCall): void {
  const last = messages[messages.length - 1];
  if (last !== undefined && last.role === 'assistant') {
    messages[messages.length - 1] = { ...last, tool_calls: [...(last.tool_calls ?? []), call] };
  } else {
    messages.push({ role: 'assistant', content: null, tool_calls: [call] });
  }
}

function toChatContent(value: unknown, path: string): string | OpenAIContentPart[] {
  if (typeof value === 'string') return value;
  if (!isPresent(value)) throw missingParameter(path);
  if (!Array.isArray(value)) throw invalidType(path, 'a string or an array of content parts', value);
  return value.map((part: unknown, index) => toChatPart(part, indexPath(path, index)));
}

function toChatPart(part: unknown, path: string): OpenAIContentPart {
  if (!isRecord(part)) throw invalidType(path, 'an object', part);
  const type = requiredString(part, 'type', fieldPath(path, 'type'));
  switch (type) {
    case 'input_text':
    case 'output_text':
    case 'text': {
      const text = optionalString(part, 'text', fieldPath(path, 'text'));
      if (text === undefined) throw missingParameter(fieldPath(path, 'text'));
      return { type: 'text', text };
    }
    case 'refusal':
      return { type: 'text', text: optionalString(part, 'refusal', fieldPath(path, 'refusal')) ?? '' };
    case 'input_image': {
      const urlPath = fieldPath(path, 'image_url');
      const url = optionalString(part, 'image_url', urlPath);
      if (url === undefined) {
        throw new InvalidRequestError('File references are not supported; send the image as a base64 data: URL in image_url.', urlPath, 'unsupported_file_reference');
      }
      imageDataFromUrl(url, urlPath);
      return { type: 'image_url', image_url: { url } };
    }
    default:
      throw new InvalidRequestError(
        `Unsupported content part type '${type}'; supported types are 'input_text', 'output_text' and 'input_image'.`,
        fieldPath(path, 'type'),
        'unsupported_content_type',
      );
  }
}

/**
 * Flat function tools `{type, name, description, parameters}` become chat tools. Other tool types
 * (Cursor's `custom` freeform tools, hosted web_search, …) have no chat-completions equivalent a
 * local model can call; they are dropped rather than refused, so the request still works.
 */
function toChatTools(value: unknown): unknown[] | undefined {
  if (!isPresent(value)) return undefined;
  if (!Array.isArray(value)) throw invalidType('tools', 'an array', value);
  const tools: unknown[] = [];
  value.forEach((tool: unknown, index) => {
    const path = indexPath('tools', index);
    if (!isRecord(tool)) throw invalidType(path, 'an object', tool);
    if (tool['type'] !== 'function') return;
    // Already chat-shaped: the chat parser validates it.
    if (isRecord(tool['function'])) {
      tools.push(tool);
      return;
    }
    const name = requiredString(tool, 'name', fieldPath(path, 'name'));
    const description = optionalString(tool, 'description', fieldPath(path, 'description'));
    const target: Record<string, unknown> = { name };
    if (description !== undefined) target['description'] = description;
    if (isPresent(tool['parameters'])) target['parameters'] = tool['parameters'];
    tools.push({ type: 'function', function: target });
  });
  return tools;
}

/** Responses' `text.format` is chat's `response_format`, with the json_schema fields flattened. */
function toResponseFormat(text: unknown): Record<string, unknown> | undefined {
  if (!isRecord(text) || !isRecord(text['format'])) return undefined;
  const format = text['format'];
  if (format['type'] !== 'json_schema') return { type: format['type'] };
  const schema: Record<string, unknown> = {};
  for (const key of ['name', 'schema', 'strict']) {
    if (isPresent(format[key])) schema[key] = format[key];
  }
  return { type: 'json_schema', json_schema: schema };
}
