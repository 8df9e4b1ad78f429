/**
 * /v1/chat/completions requests: validation of the OpenAI body and its mapping to Ollama /api/chat.
 * Pure: no I/O. Messages live in chat-messages.ts, tools in chat-tools.ts, the shared sampling
 * fields in sampling-options.ts, and Cursor's Responses-shaped bodies in responses-input.ts.
 */
import type { OpenAIChatCompletionRequest, OpenAIReasoningEffort, OpenAIResponseFormat } from '../../types/openai.js';
import type { OllamaChatRequest, OllamaFormat, OllamaThink } from '../../types/ollama.js';
import { InvalidRequestError } from '../../utils/errors.js';
import { parseChatMessages, toOllamaMessages } from './chat-messages.js';
import { parseTools, toOllamaTools } from './chat-tools.js';
import { fromResponsesBody, isResponsesShaped } from '../responses/responses-input.js';
import { checkResponseSchema } from '../response-schema.js';
import { parseMaxTokens, parseSamplingFields, toOllamaOptions } from '../sampling-options.js';
import {
  isPresent,
  missingParameter,
  optionalBoolean,
  optionalEnum,
  optionalNumber,
  optionalRecord,
  optionalString,
  requireBody,
  requireModel,
  unknownFields,
  withoutUndefined,
} from '../validate.js';

const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'n',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'seed',
  'stop',
  'max_tokens',
  'max_completion_tokens',
  'frequency_penalty',
  'presence_penalty',
  'response_format',
  'tools',
  'tool_choice',
  'reasoning_effort',
  'logprobs',
  'top_logprobs',
]);

const REASONING_EFFORTS: readonly OpenAIReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

export interface OllamaChatSettings {
  model: string;
  /** 0 = do not send num_ctx (changing it from the loaded value forces a model reload). */
  numCtx: number;
  stream: boolean;
}

/**
 * The validated request: known fields checked and normalised (nulls dropped, `stop` an array),
 * unknown fields kept as sent. Throws InvalidRequestError whose `param` is the bad field's path.
 */
export function parseChatRequest(body: unknown): OpenAIChatCompletionRequest {
  const record = requireBody(body);
  // Cursor's bug (docs/reference/clients.md §5): a Responses-API body posted to /chat/completions.
  const source = isResponsesShaped(record) ? fromResponsesBody(record) : record;
  const model = requireModel(source);
  const messages = parseChatMessages(source['messages']);
  const choices = optionalNumber(source, 'n', { integer: true, min: 1 });
  if (choices !== undefined && choices > 1) throw new InvalidRequestError('n > 1 is not supported', 'n', 'unsupported_parameter');
  // One object, filled in the order the fields are checked: unknown fields first, then the known
  // ones that are present (no spread copies, no pass to drop the undefined ones).
  const request = unknownFields(source, KNOWN_FIELDS) as unknown as OpenAIChatCompletionRequest;
  request.model = model;
  request.messages = messages;
  const fields = request as unknown as Record<string, unknown>;
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) fields[key] = value;
  };
  set('stream', optionalBoolean(source, 'stream'));
  set('stream_options', parseStreamOptions(source));
  parseSamplingFields(source, fields);
  set('max_completion_tokens', parseMaxTokens(source, 'max_completion_tokens'));
  set('response_format', parseResponseFormat(source));
  set('tools', parseTools(source));
  set('tool_choice', source['tool_choice'] ?? undefined);
  set('reasoning_effort', optionalEnum(source, 'reasoning_effort', REASONING_EFFORTS));
  set('logprobs', optionalBoolean(source, 'logprobs'));
  set('top_logprobs', optionalNumber(source, 'top_logprobs', { integer: true, min: 0, max: 20 }));
  return request;
}

export function parseStreamOptions(body: Record<string, unknown>): { include_usage?: boolean } | undefined {
  const options = optionalRecord(body, 'stream_options');
  if (options === undefined) return undefined;
  const includeUsage = optionalBoolean(options, 'include_usage', 'stream_options.include_usage');
  return includeUsage === undefined ? {} : { include_usage: includeUsage };
}

function parseResponseFormat(body: Record<string, unknown>): OpenAIResponseFormat | undefined {
  const format = optionalRecord(body, 'response_format');
  if (format === undefined) return undefined;
  const type = optionalEnum(format, 'type', ['text', 'json_object', 'json_schema'], 'response_format.type');
  if (type === undefined) throw missingParameter('response_format.type');
  if (type !== 'json_schema') return { type };
  const wrapper = optionalRecord(format, 'json_schema', 'response_format.json_schema');
  if (wrapper === undefined) throw missingParameter('response_format.json_schema');
  const schema = optionalRecord(wrapper, 'schema', 'response_format.json_schema.schema');
  if (schema === undefined) throw missingParameter('response_format.json_schema.schema');
  checkResponseSchema(schema, 'response_format.json_schema.schema');
  const name = optionalString(wrapper, 'name', 'response_format.json_schema.name');
  const strict = optionalBoolean(wrapper, 'strict', 'response_format.json_schema.strict');
  return { type, json_schema: withoutUndefined({ name, schema, strict }) };
}

export function toOllamaChatRequest(request: OpenAIChatCompletionRequest, settings: OllamaChatSettings): OllamaChatRequest {
  const native: OllamaChatRequest = { model: settings.model, messages: toOllamaMessages(request.messages) };
  const tools = toOllamaTools(request.tools, request.tool_choice);
  if (tools !== undefined) native.tools = tools;
  const format = toOllamaFormat(request.response_format);
  if (format !== undefined) native.format = format;
  const options = toOllamaOptions(request, request.max_completion_tokens ?? request.max_tokens, settings.numCtx);
  if (options !== undefined) native.options = options;
  native.stream = settings.stream;
  const think = toOllamaThink(request.reasoning_effort);
  if (think !== undefined) native.think = think;
  if (isPresent(request.logprobs)) native.logprobs = request.logprobs;
  if (isPresent(request.top_logprobs)) native.top_logprobs = request.top_logprobs;
  return native;
}

/** json_object -> "json"; json_schema -> the schema itself (name and strict have no native meaning). */
export function toOllamaFormat(format: OpenAIResponseFormat | null | undefined): OllamaFormat | undefined {
  if (!isPresent(format)) return undefined;
  if (format.type === 'json_object') return 'json';
  if (format.type === 'json_schema') {
    if (!isPresent(format.json_schema?.schema)) throw missingParameter('response_format.json_schema.schema');
    return format.json_schema.schema;
  }
  return undefined;
}

/**
 * reasoning_effort -> think. Absent stays absent, so thinking models keep their default (thinking on).
 * Ollama has no "minimal" (the nearest is low) and its top level is "max" (for xhigh and max).
 */
export function toOllamaThink(effort: OpenAIReasoningEffort | null | undefined): OllamaThink | undefined {
  switch (effort) {
    case 'none':
      return false;
    case 'minimal':
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
      return 'high';
    case 'xhigh':
    case 'max':
      return 'max';
    default:
      return undefined;
  }
}
