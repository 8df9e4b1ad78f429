/**
 * POST /v1/completions as Ollama's middleware serves it (reference §10.5): the prompt (a string
 * only) and suffix mapped to a native generate request, its answer written as text completions.
 */
import type { OllamaGenerateResponse } from '../../src/types/ollama.js';
import type { Exchange, SimulatorCore } from './exchange.js';
import { handleGenerate } from './generate.js';
import { includeUsage, nativeOptions, readOpenAiBody, runNative } from './openai-request.js';
import { completionChunk, openAiId, sendOpenAiError, textCompletion, usageChunk, type OpenAiContext } from './openai-wire.js';

export async function handleOpenAiCompletions(exchange: Exchange, core: SimulatorCore): Promise<void> {
  const body = readOpenAiBody(exchange);
  if (body === undefined) return;
  if (body.prompt !== undefined && typeof body.prompt !== 'string') return sendOpenAiError(exchange.response, 400, 'invalid type for \'prompt\' field');
  if (Array.isArray(body.stop) && body.stop.some((item: unknown) => typeof item !== 'string')) {
    const bad = (body.stop as unknown[]).find((item) => typeof item !== 'string');
    return sendOpenAiError(exchange.response, 400, `invalid type for 'stop' field: ${typeof bad === 'number' ? 'float64' : typeof bad}`);
  }
  const options = nativeOptions(body);
  // Always sent by Ollama's completions mapping, 0 when absent.
  options.frequency_penalty ??= 0;
  options.presence_penalty ??= 0;
  const native = {
    model: body.model,
    prompt: body.prompt ?? '',
    ...(typeof body.suffix === 'string' && { suffix: body.suffix }),
    stream: body.stream === true,
    options,
  };
  const context: OpenAiContext = { id: openAiId('cmpl', exchange.sequence), model: typeof body.model === 'string' ? body.model : '', includeUsage: includeUsage(body), now: core.now };
  return runNative(exchange, core, handleGenerate, native, {
    line(line) {
      const chunk = line as unknown as OllamaGenerateResponse;
      const events = [completionChunk(context, chunk)];
      if (chunk.done && context.includeUsage) events.push(usageChunk(context, 'text_completion', chunk));
      return events;
    },
    errorLine: () => [completionChunk({ ...context, model: '' }, { model: '', created_at: '', response: '', done: false })],
    whole: (whole) => textCompletion(context, whole as unknown as OllamaGenerateResponse),
  });
}
