/** POST /api/generate (protocol §4): the same turn as chat, framed as `response` text. */
import type { OllamaToolCall } from '../../src/types/ollama.js';
import { decodeRequest, GENERATE_REQUEST } from './decode.js';
import { deliver, statusAnswer, type Answer } from './delivery.js';
import type { Exchange, SimulatorCore } from './exchange.js';
import { formatError, readCommonFields, readOptions } from './request-fields.js';
import { countWords, MESSAGE_OVERHEAD_TOKENS, tokenIds } from './tokens.js';
import { planTurn, type Turn } from './turn.js';
import { goQuote, rfc3339Nano, sendError } from './wire.js';

/** What an unscripted model answers. */
export function defaultGenerateReply(model: string): string {
  return `Simulated completion from ${model}`;
}

interface Framing {
  model: string;
  /** Absent when raw is true: context is only returned for templated prompts. */
  context: number[] | undefined;
}

function generateAnswer(framing: Framing, turn: Turn, stream: boolean, core: SimulatorCore): Answer {
  const { model } = framing;
  const stamp = (): string => rfc3339Nano(core.now());
  const toolCalls = (on: Turn['toolCallsOn']): { tool_calls?: OllamaToolCall[] } =>
    turn.toolCalls.length > 0 && turn.toolCallsOn === on ? { tool_calls: turn.toolCalls } : {};
  // Key order: done, done_reason, context, the six metrics, tool_calls.
  const ending = (on: Turn['toolCallsOn'] | 'all'): object => ({
    done: true,
    done_reason: turn.doneReason,
    ...(framing.context === undefined ? {} : { context: framing.context }),
    ...turn.metrics,
    ...(on === 'all' ? (turn.toolCalls.length > 0 ? { tool_calls: turn.toolCalls } : {}) : toolCalls(on)),
  });
  const chunks = [
    ...turn.thinking.map((thinking) => () => ({ model, created_at: stamp(), response: '', thinking, done: false })),
    ...turn.content.map((response) => () => ({ model, created_at: stamp(), response, done: false })),
    ...(turn.toolCalls.length > 0 && turn.toolCallsOn === 'chunk'
      ? [() => ({ model, created_at: stamp(), response: '', done: false, ...toolCalls('chunk') })]
      : []),
  ];
  const thinking = turn.thinking.join('');
  return {
    streaming: stream,
    chunks,
    final: () => ({ model, created_at: stamp(), response: '', ...ending('done') }),
    whole: () => ({
      model,
      created_at: stamp(),
      response: turn.content.join(''),
      ...(thinking === '' ? {} : { thinking }),
      ...ending('all'),
    }),
    firstDelayMs: core.settings.firstTokenLatencyMs,
    stepDelayMs: core.settings.tokenLatencyMs,
    fault: turn.fault ?? core.currentFault(),
    hasDone: true,
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export async function handleGenerate(exchange: Exchange, core: SimulatorCore): Promise<void> {
  const { response } = exchange;
  const decoded = decodeRequest(exchange.bodyText, GENERATE_REQUEST);
  if (!decoded.ok) return sendError(response, 400, decoded.message);
  const body = decoded.value;
  const common = readCommonFields(body);
  if (!common.ok) return sendError(response, 400, common.message);
  const { think, keepAlive } = common.value;

  // Unlike chat, a missing model is a lookup failure here: 404 "model '' not found".
  const requested = text(body.model);
  const model = core.catalog.find(requested);
  if (model === undefined) return sendError(response, 404, `model '${requested}' not found`);

  const prompt = text(body.prompt);
  const system = text(body.system);
  const suffix = text(body.suffix);
  const context = (body.context ?? []) as number[];
  const raw = body.raw === true;
  if (raw && (text(body.template) !== '' || system !== '' || context.length > 0)) {
    return sendError(response, 400, 'raw mode does not support template, system, or context');
  }
  const statusLine = (reason: 'load' | 'unload') => (): object => ({
    model: requested,
    created_at: rfc3339Nano(core.now()),
    response: '',
    done: true,
    done_reason: reason,
  });
  if (prompt === '' && keepAlive === 0) {
    return deliver(exchange, statusAnswer(statusLine('unload'), core.currentFault()));
  }

  const capabilities = model.capabilities;
  if (!capabilities.includes('completion')) {
    return sendError(response, 400, `${goQuote(requested)} does not support generate`);
  }
  if (suffix !== '' && !capabilities.includes('insert')) {
    return sendError(response, 400, `${model.qualified} does not support insert`);
  }
  if (think !== undefined && think !== false && !capabilities.includes('thinking')) {
    return sendError(response, 400, `${goQuote(requested)} does not support thinking`);
  }

  const options = readOptions(body.options);
  if (!options.ok) return sendError(response, 500, options.message);
  if (prompt === '') return deliver(exchange, statusAnswer(statusLine('load'), core.currentFault()));
  const invalidFormat = formatError(body.format);
  if (invalidFormat !== undefined) return sendError(response, 500, invalidFormat);

  const reply = (await core.scripts.next(requested, exchange.request)) ?? defaultGenerateReply(requested);
  const promptEvalCount =
    countWords(system) + countWords(prompt) + countWords(suffix) + context.length + (raw ? 0 : MESSAGE_OVERHEAD_TOKENS);
  const turn = planTurn(
    reply,
    {
      think: think !== false,
      numPredict: options.value.numPredict,
      stop: options.value.stop,
      promptEvalCount,
      sequence: exchange.sequence,
    },
    core.settings,
  );
  const framing: Framing = {
    model: requested,
    context: raw ? undefined : [...context, ...tokenIds(`${system} ${prompt}`), ...tokenIds(turn.content.join(''))],
  };
  return deliver(exchange, generateAnswer(framing, turn, body.stream !== false, core));
}
