/**
 * Native /api/chat and /api/generate bodies as rlm reads them: the few fields it must know (model,
 * stream, think), which names are virtual models, and, for a virtual model, the body turned into
 * the chat request the pipeline runs (the pipeline speaks the OpenAI request shape). Everything
 * else of a body that goes to an installed model is passed through untouched.
 */
import type { AppDeps } from '../../server/context.js';
import type { OpenAIChatCompletionRequest, OpenAIContentPart } from '../../types/openai.js';
import type { Profile } from '../../types/profile.js';
import { parseChatRequest } from '../chat/chat-request.js';
import { describeValue, isPresent, isRecord } from '../validate.js';
import { NativeRequestError } from './native-errors.js';

/** The body must be a JSON object, as Go's decoder requires of a request struct. */
export function nativeBody(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new NativeRequestError(`json: cannot unmarshal ${describeValue(value)} into Go value of type api.${what}`, 'invalid_request_body');
  return value;
}

/**
 * `model` as sent ("" when absent), or a 400 for another type. `name` is its deprecated spelling,
 * which Ollama's own Go client still fills in while it sends `"model": ""` beside it (`ollama show`).
 */
export function nativeModel(body: Record<string, unknown>): string {
  for (const key of ['model', 'name']) {
    const value = body[key];
    if (!isPresent(value) || value === '') continue;
    if (typeof value !== 'string') throw new NativeRequestError(`json: cannot unmarshal ${describeValue(value)} into Go struct field .${key} of type string`, 'invalid_type');
    return value;
  }
  return '';
}

/** Ollama streams unless told `stream: false` (the native default is true, §3.1). */
export function wantsStream(body: Record<string, unknown>): boolean {
  return body['stream'] !== false;
}

/** `think: true` or a level asks to see the thinking; false or absent does not. */
export function wantsThinking(body: Record<string, unknown>): boolean {
  const think = body['think'];
  return think === true || (typeof think === 'string' && think !== '' && think !== 'false');
}

/**
 * The profile a native model name runs, or undefined for an installed model. Ollama's clients
 * write the default tag out ("rlm:latest" for "rlm"), so that spelling names the same model.
 */
export async function virtualProfile(app: AppDeps, model: string, signal: AbortSignal): Promise<{ profile: Profile; id: string } | undefined> {
  const direct = await app.pipeline.resolveModel(model, signal);
  if (direct !== undefined) return { profile: direct, id: model };
  if (!model.endsWith(':latest')) return undefined;
  const bare = model.slice(0, -':latest'.length);
  const tagged = await app.pipeline.resolveModel(bare, signal);
  return tagged === undefined ? undefined : { profile: tagged, id: bare };
}

/** A native /api/chat body as the chat request the pipeline runs, validated as the /v1 path validates its own. */
export function pipelineChatRequest(body: Record<string, unknown>, model: string): OpenAIChatCompletionRequest {
  const messages = Array.isArray(body['messages']) ? body['messages'].map((message, index) => openAIMessage(message, index)) : body['messages'];
  return parseChatRequest({ model, messages, stream: wantsStream(body), ...sharedFields(body) });
}

/** A native /api/generate body (`system`, `prompt`, `images`) as a one-turn chat request. */
export function pipelineGenerateRequest(body: Record<string, unknown>, model: string): OpenAIChatCompletionRequest {
  if (typeof body['suffix'] === 'string' && body['suffix'] !== '') {
    throw new NativeRequestError(
      `"${model}" does not support insert: it is rlm's pipeline, which answers whole questions, not fill-in-the-middle; use an installed code model for that.`,
      'pipeline_chat_only',
    );
  }
  const messages: unknown[] = [];
  if (typeof body['system'] === 'string' && body['system'] !== '') messages.push({ role: 'system', content: body['system'] });
  messages.push(openAIMessage({ role: 'user', content: body['prompt'], images: body['images'] }, messages.length));
  return parseChatRequest({ model, messages, stream: wantsStream(body), ...sharedFields(body) });
}

/**
 * What the pipeline reads besides the messages: tools, the output format and the length cap. The
 * other sampling options are the profile's own for each stage, so they are not carried over (and
 * Ollama's ranges are wider than OpenAI's, which would turn them into needless 400s).
 */
function sharedFields(body: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (Array.isArray(body['tools']) && body['tools'].length > 0) fields['tools'] = body['tools'];
  const format = body['format'];
  if (format === 'json') fields['response_format'] = { type: 'json_object' };
  else if (isRecord(format)) fields['response_format'] = { type: 'json_schema', json_schema: { name: 'response', schema: format } };
  const options = isRecord(body['options']) ? body['options'] : {};
  const numPredict = options['num_predict'];
  if (typeof numPredict === 'number' && Number.isInteger(numPredict) && numPredict > 0) fields['max_tokens'] = numPredict;
  return fields;
}

/** A native message (raw base64 images, tool-call arguments as an object, `tool_name`) in the chat shape. */
function openAIMessage(raw: unknown, index: number): unknown {
  if (!isRecord(raw)) return raw;
  const role = typeof raw['role'] === 'string' ? raw['role'].toLowerCase() : raw['role'];
  const text = typeof raw['content'] === 'string' ? raw['content'] : isPresent(raw['content']) ? raw['content'] : '';
  const images = Array.isArray(raw['images']) ? raw['images'] : [];
  const message: Record<string, unknown> = { role, content: text };
  if (images.length > 0 && typeof text === 'string') {
    const parts: OpenAIContentPart[] = [{ type: 'text', text }];
    // Ollama takes raw base64 and sniffs the type; the data: URL only carries it to the mapping.
    for (const image of images) parts.push({ type: 'image_url', image_url: { url: `data:image/png;base64,${String(image)}` } });
    message['content'] = parts;
  }
  if (Array.isArray(raw['tool_calls'])) {
    message['tool_calls'] = raw['tool_calls'].map((call: unknown, callIndex) => {
      const target = isRecord(call) && isRecord(call['function']) ? call['function'] : {};
      const id = isRecord(call) && typeof call['id'] === 'string' ? call['id'] : `call_${index}_${callIndex}`;
      return { id, type: 'function', function: { name: target['name'], arguments: isRecord(target['arguments']) ? JSON.stringify(target['arguments']) : target['arguments'] } };
    });
  }
  if (typeof raw['tool_name'] === 'string') message['name'] = raw['tool_name'];
  if (typeof raw['tool_call_id'] === 'string') message['tool_call_id'] = raw['tool_call_id'];
  if (typeof raw['thinking'] === 'string' && raw['thinking'] !== '') message['reasoning_content'] = raw['thinking'];
  return message;
}
