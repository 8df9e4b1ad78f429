/**
 * What every `/v1` route does first, as Ollama's middleware does: bind the OpenAI body (an empty
 * one is `EOF`, bad JSON the Go decoder's message, both 400), map its sampling fields to native
 * `options`, and then run the native handler on the native body, its writes translated.
 */
import { decodeFirstValue, GoJsonSyntaxError } from './go-json.js';
import type { Exchange, RouteHandler, SimulatorCore } from './exchange.js';
import { openAiWriter, type Translation } from './openai-writer.js';
import { sendOpenAiError } from './openai-wire.js';
import type { RecordedRequest } from './types.js';

/** The body as an object, or undefined once the 400 is sent. */
export function readOpenAiBody(exchange: Exchange): Record<string, unknown> | undefined {
  if (exchange.bodyText.trim() === '') {
    sendOpenAiError(exchange.response, 400, 'EOF');
    return undefined;
  }
  try {
    const value = decodeFirstValue(exchange.bodyText);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    sendOpenAiError(exchange.response, 400, `json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type openai.Request`);
  } catch (error) {
    if (!(error instanceof GoJsonSyntaxError)) throw error;
    sendOpenAiError(exchange.response, 400, error.message);
  }
  return undefined;
}

/** Ollama's /v1 sampling defaults: temperature and top_p 1.0 when absent (native would use the model's). */
export function nativeOptions(body: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (typeof body.max_tokens === 'number') options.num_predict = body.max_tokens;
  options.temperature = typeof body.temperature === 'number' ? body.temperature : 1.0;
  options.top_p = typeof body.top_p === 'number' && body.top_p !== 0 ? body.top_p : 1.0;
  if (typeof body.seed === 'number') options.seed = body.seed;
  if (typeof body.frequency_penalty === 'number') options.frequency_penalty = body.frequency_penalty;
  if (typeof body.presence_penalty === 'number') options.presence_penalty = body.presence_penalty;
  if (typeof body.stop === 'string') options.stop = [body.stop];
  else if (Array.isArray(body.stop)) options.stop = body.stop.filter((item: unknown) => typeof item === 'string');
  return options;
}

export function includeUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  return options?.include_usage === true;
}

/**
 * Runs the native handler as if the native body had been posted. Scripts see the native body
 * (one script serves both APIs); `simulator.requests` keeps the /v1 body as it arrived.
 */
export function runNative(exchange: Exchange, core: SimulatorCore, handler: RouteHandler, nativeBody: object, translation: Translation): void | Promise<void> {
  const recorded = exchange.request;
  const request: RecordedRequest = {
    method: recorded.method,
    path: recorded.path,
    headers: recorded.headers,
    body: nativeBody,
    get aborted() {
      return recorded.aborted;
    },
  };
  return handler(
    { ...exchange, request, bodyText: JSON.stringify(nativeBody), response: openAiWriter(exchange.response, translation), closeAbruptly: exchange.closeAbruptly },
    core,
  );
}
