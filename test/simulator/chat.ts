/** POST /api/chat (protocol §3), validating in ChatHandler's order (§3.2). */
import type { OllamaLogprob, OllamaMessage, OllamaToolCall } from '../../src/types/ollama.js';
import { CHAT_REQUEST, decodeRequest } from './decode.js';
import { deliver, statusAnswer, type Answer } from './delivery.js';
import type { Exchange, SimulatorCore } from './exchange.js';
import { parseModelName } from './names.js';
import { formatError, readCommonFields, readOptions } from './request-fields.js';
import { structuredReply } from './structured.js';
import { countMessageTokens } from './tokens.js';
import { asSimulatedReply, planTurn, type Turn } from './turn.js';
import { goQuote, rfc3339Nano, sendError } from './wire.js';

const DEFAULT_PREVIEW_CHARS = 60;
const DEFAULT_LOGPROB = -0.1;

/** What an unscripted model answers: predictable from the request alone. */
export function defaultChatReply(model: string, messages: readonly OllamaMessage[]): string {
  const lastUser = [...messages].reverse().find((message) => String(message.role).toLowerCase() === 'user');
  return `Simulated answer from ${model} to: ${(lastUser?.content ?? '').slice(0, DEFAULT_PREVIEW_CHARS)}`;
}

/** A token's logprobs entry (§3.7), when the request asked for them. */
function tokenLogprobs(token: string, logprob: number, top: number): OllamaLogprob {
  const entry = { token, logprob, bytes: [...Buffer.from(token, 'utf8')] };
  if (top <= 0) return entry;
  // As real Ollama: with top_logprobs, each token lists the likeliest tokens, itself first.
  const alternatives = Array.from({ length: top - 1 }, (_, rank) => {
    const alternative = `${token}~${rank + 1}`;
    return { token: alternative, logprob: logprob - (rank + 1), bytes: [...Buffer.from(alternative, 'utf8')] };
  });
  return { ...entry, top_logprobs: [entry, ...alternatives] };
}

function chatAnswer(model: string, turn: Turn, stream: boolean, core: SimulatorCore, logprob: number | undefined, top: number): Answer {
  const stamp = (): string => rfc3339Nano(core.now());
  const line = (message: object, token?: string): object => ({
    model,
    created_at: stamp(),
    message,
    done: false,
    ...(logprob !== undefined && token !== undefined ? { logprobs: [tokenLogprobs(token, logprob, top)] } : {}),
  });
  const toolCalls = (on: Turn['toolCallsOn']): { tool_calls?: OllamaToolCall[] } =>
    turn.toolCalls.length > 0 && turn.toolCallsOn === on ? { tool_calls: turn.toolCalls } : {};
  const ending = { done: true, done_reason: turn.doneReason, ...turn.metrics };
  const chunks = [
    ...turn.thinking.map((thinking) => () => line({ role: 'assistant', content: '', thinking })),
    ...turn.content.map((content) => () => line({ role: 'assistant', content }, content)),
    ...(turn.toolCalls.length > 0 && turn.toolCallsOn === 'chunk'
      ? [() => line({ role: 'assistant', content: '', ...toolCalls('chunk') })]
      : []),
  ];
  const thinking = turn.thinking.join('');
  return {
    streaming: stream,
    chunks,
    final: () => ({ model, created_at: stamp(), message: { role: 'assistant', content: '', ...toolCalls('done') }, ...ending }),
    whole: () => ({
      model,
      created_at: stamp(),
      message: {
        role: 'assistant',
        content: turn.content.join(''),
        ...(thinking === '' ? {} : { thinking }),
        ...(turn.toolCalls.length > 0 ? { tool_calls: turn.toolCalls } : {}),
      },
      done: true,
      done_reason: turn.doneReason,
      ...(logprob !== undefined ? { logprobs: turn.content.map((token) => tokenLogprobs(token, logprob, top)) } : {}),
      ...turn.metrics,
    }),
    firstDelayMs: core.settings.firstTokenLatencyMs,
    stepDelayMs: core.settings.tokenLatencyMs,
    fault: turn.fault ?? core.currentFault(),
    hasDone: true,
  };
}

export async function handleChat(exchange: Exchange, core: SimulatorCore): Promise<void> {
  const { response } = exchange;
  const decoded = decodeRequest(exchange.bodyText, CHAT_REQUEST);
  if (!decoded.ok) return sendError(response, 400, decoded.message);
  const body = decoded.value;
  const common = readCommonFields(body);
  if (!common.ok) return sendError(response, 400, common.message);
  const { think, keepAlive } = common.value;

  const requested = typeof body.model === 'string' ? body.model : '';
  if (requested.trim() === '') return sendError(response, 400, 'model is required');
  if (parseModelName(requested) === undefined) return sendError(response, 400, 'invalid model name');
  const model = core.catalog.find(requested);
  if (model === undefined) return sendError(response, 404, `model '${requested}' not found`);

  const messages = (body.messages ?? []) as OllamaMessage[];
  const statusLine = (reason: 'load' | 'unload') => (): object => ({
    model: requested,
    created_at: rfc3339Nano(core.now()),
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: reason,
  });
  if (messages.length === 0 && keepAlive === 0) {
    return deliver(exchange, statusAnswer(statusLine('unload'), core.currentFault()));
  }

  const capabilities = model.capabilities;
  if (!capabilities.includes('completion')) return sendError(response, 400, `${goQuote(requested)} does not support chat`);
  const tools = (body.tools ?? []) as unknown[];
  if (tools.length > 0 && !capabilities.includes('tools')) {
    return sendError(response, 400, `${model.qualified} does not support tools`);
  }
  const thinkRequested = think !== undefined && think !== false;
  if (thinkRequested && !capabilities.includes('thinking')) {
    return sendError(response, 400, `${goQuote(requested)} does not support thinking`);
  }

  const options = readOptions(body.options);
  if (!options.ok) return sendError(response, 500, options.message);
  if (messages.length === 0) return deliver(exchange, statusAnswer(statusLine('load'), core.currentFault()));
  const invalidFormat = formatError(body.format);
  if (invalidFormat !== undefined) return sendError(response, 500, invalidFormat);

  const reply = (await core.scripts.next(requested, exchange.request)) ?? structuredReply(body.format) ?? defaultChatReply(requested, messages);
  const turn = planTurn(
    reply,
    {
      think: think !== false,
      numPredict: options.value.numPredict,
      stop: options.value.stop,
      promptEvalCount: countMessageTokens(messages),
      sequence: exchange.sequence,
    },
    core.settings,
  );
  const logprob = body.logprobs === true ? (asSimulatedReply(reply).logprob ?? DEFAULT_LOGPROB) : undefined;
  return deliver(exchange, chatAnswer(requested, turn, body.stream !== false, core, logprob, typeof body.top_logprobs === 'number' ? body.top_logprobs : 0));
}
