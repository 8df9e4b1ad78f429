/**
 * Chat messages: validation of OpenAI's `messages[]` and their mapping to Ollama native messages.
 *
 * Where this differs from Ollama's own /v1 layer (docs/reference/ollama-protocol.md §10.2), on purpose:
 * - the text parts of one message are joined into ONE native message; Ollama splits every part into
 *   a separate message with the same role, which templates render as several turns;
 * - `developer` is accepted as `system`;
 * - both `reasoning_content` and `reasoning` from earlier assistant turns become `thinking`.
 */
import type { OpenAIChatMessage, OpenAIContentPart, OpenAIRole, OpenAIToolCall } from '../../types/openai.js';
import type { OllamaMessage, OllamaToolCall } from '../../types/ollama.js';
import { InvalidRequestError } from '../../utils/errors.js';
import { imageDataFromUrl } from '../image-data-url.js';
import { checkJsonDepth } from '../json-depth.js';
import {
  describeValue,
  fieldPath,
  indexPath,
  invalidType,
  isPresent,
  isRecord,
  missingParameter,
  optionalEnum,
  optionalString,
  requiredString,
} from '../validate.js';

const ROLES: readonly OpenAIRole[] = ['system', 'developer', 'user', 'assistant', 'tool'];

export function parseChatMessages(value: unknown): OpenAIChatMessage[] {
  if (isPresent(value) && !Array.isArray(value)) throw invalidType('messages', 'an array', value);
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidRequestError("'messages' must be a non-empty array.", 'messages', 'empty_array');
  }
  return value.map((message: unknown, index) => parseMessage(message, indexPath('messages', index)));
}

function parseMessage(raw: unknown, path: string): OpenAIChatMessage {
  if (!isRecord(raw)) throw invalidType(path, 'an object', raw);
  const rolePath = fieldPath(path, 'role');
  const role = optionalEnum(raw, 'role', ROLES, rolePath);
  if (role === undefined) throw missingParameter(rolePath);
  const message: OpenAIChatMessage = { role, content: null };
  const name = optionalString(raw, 'name', fieldPath(path, 'name'));
  if (name !== undefined) message.name = name;

  const toolCalls = role === 'assistant' ? parseToolCalls(raw['tool_calls'], fieldPath(path, 'tool_calls')) : [];
  if (toolCalls.length > 0) message.tool_calls = toolCalls;

  const contentPath = fieldPath(path, 'content');
  if (isPresent(raw['content'])) message.content = parseContent(raw['content'], contentPath);
  // OpenAI allows an assistant turn without content only when it calls tools.
  else if (toolCalls.length === 0) throw missingParameter(contentPath);

  if (role === 'tool') {
    const toolCallId = optionalString(raw, 'tool_call_id', fieldPath(path, 'tool_call_id'));
    if (toolCallId !== undefined) message.tool_call_id = toolCallId;
  }
  if (role === 'assistant') {
    // Clients disagree on the name and some send objects here (reasoning_details); only text is usable.
    if (typeof raw['reasoning_content'] === 'string') message.reasoning_content = raw['reasoning_content'];
    if (typeof raw['reasoning'] === 'string') message.reasoning = raw['reasoning'];
  }
  return message;
}

function parseContent(value: unknown, path: string): string | OpenAIContentPart[] {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw invalidType(path, 'a string or an array of content parts', value);
  return value.map((part: unknown, index) => parsePart(part, indexPath(path, index)));
}

function parsePart(part: unknown, path: string): OpenAIContentPart {
  if (!isRecord(part)) throw invalidType(path, 'an object', part);
  const type = requiredString(part, 'type', fieldPath(path, 'type'));
  switch (type) {
    case 'text': {
      const text = optionalString(part, 'text', fieldPath(path, 'text'));
      if (text === undefined) throw missingParameter(fieldPath(path, 'text'));
      return { type: 'text', text };
    }
    // An assistant turn that refused; its text is still the turn's text.
    case 'refusal': {
      const refusal = optionalString(part, 'refusal', fieldPath(path, 'refusal'));
      return { type: 'text', text: refusal ?? '' };
    }
    case 'image_url':
      return parseImagePart(part['image_url'], fieldPath(path, 'image_url'));
    default:
      throw new InvalidRequestError(
        `Unsupported content part type '${type}'; supported types are 'text' and 'image_url'.`,
        fieldPath(path, 'type'),
        'unsupported_content_type',
      );
  }
}

function parseImagePart(value: unknown, path: string): OpenAIContentPart {
  if (typeof value === 'string') {
    imageDataFromUrl(value, path);
    return { type: 'image_url', image_url: { url: value } };
  }
  if (!isRecord(value)) {
    if (!isPresent(value)) throw missingParameter(path);
    throw invalidType(path, 'a string or an object with a url', value);
  }
  const url = requiredString(value, 'url', fieldPath(path, 'url'));
  imageDataFromUrl(url, fieldPath(path, 'url'));
  const detail = optionalString(value, 'detail', fieldPath(path, 'detail'));
  return { type: 'image_url', image_url: detail === undefined ? { url } : { url, detail } };
}

function parseToolCalls(value: unknown, path: string): OpenAIToolCall[] {
  if (!isPresent(value)) return [];
  if (!Array.isArray(value)) throw invalidType(path, 'an array', value);
  return value.map((call: unknown, index) => parseToolCall(call, indexPath(path, index)));
}

function parseToolCall(call: unknown, path: string): OpenAIToolCall {
  if (!isRecord(call)) throw invalidType(path, 'an object', call);
  const id = requiredString(call, 'id', fieldPath(path, 'id'));
  optionalEnum(call, 'type', ['function'], fieldPath(path, 'type'));
  const functionPath = fieldPath(path, 'function');
  const target = call['function'];
  if (!isPresent(target)) throw missingParameter(functionPath);
  if (!isRecord(target)) throw invalidType(functionPath, 'an object', target);
  const name = requiredString(target, 'name', fieldPath(functionPath, 'name'));
  const argumentsPath = fieldPath(functionPath, 'arguments');
  const rawArguments = target['arguments'];
  let argumentText: string;
  if (!isPresent(rawArguments)) argumentText = '{}';
  // Some clients send the object itself; keep the wire contract (a JSON string) from here on.
  else if (isRecord(rawArguments)) argumentText = JSON.stringify(rawArguments);
  else if (typeof rawArguments === 'string') {
    parseToolArguments(rawArguments, argumentsPath);
    argumentText = rawArguments;
  } else throw invalidType(argumentsPath, 'a JSON string', rawArguments);
  return { id, type: 'function', function: { name, arguments: argumentText } };
}

/**
 * OpenAI tool-call arguments are a JSON string; Ollama's are an object. A blank string is taken as
 * "no arguments" because several clients send "" for calls to parameterless tools.
 */
export function parseToolArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidRequestError(`Invalid JSON in '${param}': ${reason}`, param, 'invalid_tool_arguments');
  }
  if (!isRecord(parsed)) {
    throw new InvalidRequestError(
      `'${param}' must encode a JSON object, but it encodes ${describeValue(parsed)}.`,
      param,
      'invalid_tool_arguments',
    );
  }
  // A string inside the body, so the body's own depth check never saw what it encodes.
  checkJsonDepth(parsed, `'${param}'`, param);
  return parsed;
}

/** The text of a message's content: the string itself, or its text parts joined with "\n". */
export function contentText(content: OpenAIChatMessage['content']): string {
  if (!isPresent(content)) return '';
  if (typeof content === 'string') return content;
  return content.flatMap((part) => (part.type === 'text' && typeof part['text'] === 'string' ? [part['text']] : [])).join('\n');
}

export function toOllamaMessages(messages: readonly OpenAIChatMessage[]): OllamaMessage[] {
  // Tool results name their tool; the name comes from the earlier assistant call with the same id.
  const toolNames = new Map<string, string>();
  return messages.map((message, index) => {
    const path = indexPath('messages', index);
    const native: OllamaMessage = {
      role: message.role === 'developer' ? 'system' : message.role,
      content: contentText(message.content),
    };
    const images = contentImages(message.content, fieldPath(path, 'content'));
    if (images.length > 0) native.images = images;
    if (message.role === 'assistant') {
      const thinking = message.reasoning_content ?? message.reasoning;
      if (typeof thinking === 'string' && thinking !== '') native.thinking = thinking;
      const calls = message.tool_calls ?? [];
      if (calls.length > 0) native.tool_calls = calls.map((call, callIndex) => toOllamaToolCall(call, indexPath(fieldPath(path, 'tool_calls'), callIndex)));
      for (const call of calls) toolNames.set(call.id, call.function.name);
    }
    if (message.role === 'tool') {
      if (isPresent(message.tool_call_id)) native.tool_call_id = message.tool_call_id;
      const toolName = message.name ?? (isPresent(message.tool_call_id) ? toolNames.get(message.tool_call_id) : undefined);
      if (toolName !== undefined) native.tool_name = toolName;
    }
    return native;
  });
}

function contentImages(content: OpenAIChatMessage['content'], path: string): string[] {
  if (!Array.isArray(content)) return [];
  const images: string[] = [];
  content.forEach((part, index) => {
    if (part.type !== 'image_url') return;
    const image = part['image_url'];
    const partPath = fieldPath(indexPath(path, index), 'image_url');
    if (typeof image === 'string') images.push(imageDataFromUrl(image, partPath));
    else if (isRecord(image) && typeof image['url'] === 'string') images.push(imageDataFromUrl(image['url'], fieldPath(partPath, 'url')));
    else throw invalidType(partPath, 'a string or an object with a url', image);
  });
  return images;
}

function toOllamaToolCall(call: OpenAIToolCall, path: string): OllamaToolCall {
  const argumentsValue = parseToolArguments(call.function.arguments, fieldPath(fieldPath(path, 'function'), 'arguments'));
  const native: OllamaToolCall = { function: { name: call.function.name, arguments: argumentsValue } };
  return call.id === '' ? native : { id: call.id, ...native };
}
