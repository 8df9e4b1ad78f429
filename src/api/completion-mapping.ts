/**
 * /v1/completions (editor autocomplete and fill-in-the-middle) <-> Ollama /api/generate.
 * Autocomplete is cancelled on every keystroke and discarded after a few hundred milliseconds
 * (docs/reference/clients.md §2), so this path stays a direct, single-pass mapping.
 */
import type { OpenAICompletion, OpenAICompletionChoice, OpenAICompletionRequest } from '../types/openai.js';
import type { OllamaGenerateRequest, OllamaGenerateResponse } from '../types/ollama.js';
import { InvalidRequestError } from '../utils/errors.js';
import { parseStreamOptions } from './chat/chat-request.js';
import { toUsage } from './chat/chat-response.js';
import { parseSamplingFields, toOllamaOptions } from './sampling-options.js';
import {
  indexPath,
  invalidType,
  isPresent,
  missingParameter,
  optionalBoolean,
  optionalNumber,
  optionalString,
  requireBody,
  requireModel,
  unknownFields,
} from './validate.js';

const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'prompt',
  'suffix',
  'n',
  'echo',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'seed',
  'stop',
  'max_tokens',
  'frequency_penalty',
  'presence_penalty',
]);

interface CompletionContext {
  id: string;
  created: number;
  model: string;
}

/** The validated request; `prompt` is always a single string afterwards. */
export function parseCompletionRequest(body: unknown): OpenAICompletionRequest {
  const record = requireBody(body);
  const model = requireModel(record);
  const prompt = parsePrompt(record['prompt']);
  const choices = optionalNumber(record, 'n', { integer: true, min: 1 });
  if (choices !== undefined && choices > 1) throw new InvalidRequestError('n > 1 is not supported', 'n', 'unsupported_parameter');
  if (optionalBoolean(record, 'echo') === true) throw new InvalidRequestError('echo is not supported', 'echo', 'unsupported_parameter');
  // One object, filled in the order the fields are checked (as parseChatRequest does).
  const request = unknownFields(record, KNOWN_FIELDS) as unknown as OpenAICompletionRequest;
  request.model = model;
  request.prompt = prompt;
  const fields = request as unknown as Record<string, unknown>;
  const suffix = optionalString(record, 'suffix');
  if (suffix !== undefined) fields.suffix = suffix;
  const stream = optionalBoolean(record, 'stream');
  if (stream !== undefined) fields.stream = stream;
  const streamOptions = parseStreamOptions(record);
  if (streamOptions !== undefined) fields.stream_options = streamOptions;
  parseSamplingFields(record, fields);
  return request;
}

function parsePrompt(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!isPresent(value)) throw missingParameter('prompt');
  if (!Array.isArray(value)) throw invalidType('prompt', 'a string', value);
  if (value.some((item: unknown) => typeof item === 'number' || Array.isArray(item))) {
    throw new InvalidRequestError('Token-array prompts are not supported; send the text itself.', 'prompt', 'unsupported_prompt_type');
  }
  if (value.length > 1) throw new InvalidRequestError('batched prompts are not supported', 'prompt', 'unsupported_prompt_type');
  const [only] = value;
  if (typeof only !== 'string') throw invalidType(indexPath('prompt', 0), 'a string', only);
  return only;
}

export function toOllamaGenerateRequest(request: OpenAICompletionRequest, settings: { model: string; stream: boolean }): OllamaGenerateRequest {
  const prompt = typeof request.prompt === 'string' ? request.prompt : (request.prompt[0] ?? '');
  const suffix = request.suffix ?? '';
  // Without a suffix the prompt is sent raw: clients such as Continue send a prompt already wrapped
  // in the model's FIM tokens (<|fim_prefix|>…<|fim_middle|>), and applying the chat template on top,
  // as Ollama's own /v1/completions does, breaks it. With a suffix the client expects the server to
  // do FIM, which is what the model's template does with prompt + suffix when raw is false.
  const native: OllamaGenerateRequest =
    suffix === '' ? { model: settings.model, prompt, raw: true } : { model: settings.model, prompt, suffix, raw: false };
  const options = toOllamaOptions(request, request.max_tokens);
  if (options !== undefined) native.options = options;
  native.stream = settings.stream;
  return native;
}

function toCompletionFinishReason(doneReason: string | undefined): 'stop' | 'length' {
  return doneReason === 'length' ? 'length' : 'stop';
}

export function toCompletion(response: OllamaGenerateResponse, context: CompletionContext): OpenAICompletion {
  return {
    id: context.id,
    object: 'text_completion',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, text: response.response ?? '', logprobs: null, finish_reason: toCompletionFinishReason(response.done_reason) }],
    usage: toUsage(response),
  };
}

export function createCompletionChunkStream(context: CompletionContext & { includeUsage: boolean }): {
  push(chunk: OllamaGenerateResponse): OpenAICompletion[];
  finish(): OpenAICompletion[];
} {
  let doneChunk: OllamaGenerateResponse | undefined;

  function chunk(choices: OpenAICompletionChoice[]): OpenAICompletion {
    return { id: context.id, object: 'text_completion', created: context.created, model: context.model, choices };
  }

  return {
    push(native) {
      if (native.done) doneChunk = native;
      // Thinking is not part of a completion's text; autocomplete has nowhere to show it.
      if (native.response === undefined || native.response === '') return [];
      return [chunk([{ index: 0, text: native.response, logprobs: null, finish_reason: null }])];
    },
    finish() {
      const finishReason = toCompletionFinishReason(doneChunk?.done_reason);
      const chunks = [chunk([{ index: 0, text: '', logprobs: null, finish_reason: finishReason }])];
      if (context.includeUsage) chunks.push({ ...chunk([]), usage: toUsage(doneChunk ?? {}) });
      return chunks;
    },
  };
}
