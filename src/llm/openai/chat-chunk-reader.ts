/**
 * OpenAI `chat.completion.chunk`s read back as Ollama's native chat chunks. Content and reasoning
 * deltas become `message.content` and `message.thinking`; tool calls, which OpenAI streams as
 * pieces of their arguments' text, are assembled per `index` and handed out whole, as native
 * chunks carry them, once complete (a later call began, or the choice finished); logprobs take
 * Ollama's shape. The done chunk is made at the stream's end, with the reason and the counts.
 */
import type { OllamaChatResponse, OllamaLogprob, OllamaToolCall } from '../../types/ollama.js';
import { UpstreamProtocolError } from '../../utils/errors.js';
import type { CompletionChunk, StreamLogprob, StreamToolCallDelta } from './completion-chunk.js';
import { createStreamTimer, doneReason, type StreamUsage } from './stream-ending.js';

export interface ChunkReaderDeps {
  /** Milliseconds, for the durations (performance.now). */
  now: () => number;
  /** For `created_at`. */
  date: () => Date;
  /** How messages name the backend. */
  server: string;
}

export interface ChatChunkReader {
  /** The native chunks one event gives (none, one, or one plus the tool calls it completed). */
  read(chunk: CompletionChunk): OllamaChatResponse[];
  /** Whether a choice has finished (a stream that ends after it, without `[DONE]`, is still whole). */
  readonly finished: boolean;
  /** The done chunk, with any tool calls still open. */
  done(): OllamaChatResponse[];
}

interface PendingCall {
  id: string;
  name: string;
  arguments: string;
}

export function createChatChunkReader(model: string, deps: ChunkReaderDeps): ChatChunkReader {
  const timer = createStreamTimer(deps.now);
  const pending = new Map<number, PendingCall>();
  let emitted = 0;
  let finishReason: string | undefined;
  let usage: StreamUsage | undefined;
  const stamp = (): string => deps.date().toISOString();
  const chunkOf = (message: OllamaChatResponse['message']): OllamaChatResponse => ({ model, created_at: stamp(), message, done: false });

  /** The calls with an index below `below`, whole, in order. */
  const complete = (below: number): OllamaToolCall[] => {
    const calls: OllamaToolCall[] = [];
    for (const index of [...pending.keys()].sort((a, b) => a - b)) {
      if (index >= below) break;
      calls.push(wholeCall(pending.get(index)!, emitted, deps.server));
      pending.delete(index);
      emitted += 1;
    }
    return calls;
  };

  return {
    read(chunk) {
      if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
      const choice = chunk.choices?.find((candidate) => (candidate.index ?? 0) === 0);
      if (choice === undefined) return [];
      const out: OllamaChatResponse[] = [];
      const delta = choice.delta ?? {};
      const content = typeof delta.content === 'string' ? delta.content : '';
      const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : typeof delta.reasoning === 'string' ? delta.reasoning : '';
      const logprobs = choice.logprobs?.content;
      if (content !== '' || reasoning !== '' || (logprobs !== undefined && logprobs !== null && logprobs.length > 0)) {
        timer.token();
        const message: OllamaChatResponse['message'] = { role: 'assistant', content };
        if (reasoning !== '') message.thinking = reasoning;
        const native = chunkOf(message);
        if (logprobs !== undefined && logprobs !== null && logprobs.length > 0) native.logprobs = logprobs.map(toNativeLogprob);
        out.push(native);
      }
      let newest = -1;
      for (const piece of delta.tool_calls ?? []) {
        timer.token();
        newest = Math.max(newest, addPiece(pending, piece));
      }
      const finished = typeof choice.finish_reason === 'string' && choice.finish_reason !== '';
      if (finished) finishReason = choice.finish_reason!;
      const calls = complete(finished ? Infinity : newest);
      if (calls.length > 0) out.push(chunkOf({ role: 'assistant', content: '', tool_calls: calls }));
      return out;
    },
    get finished() {
      return finishReason !== undefined;
    },
    done() {
      const calls = complete(Infinity);
      const out = calls.length > 0 ? [chunkOf({ role: 'assistant', content: '', tool_calls: calls })] : [];
      out.push({ model, created_at: stamp(), message: { role: 'assistant', content: '' }, done: true, done_reason: doneReason(finishReason), ...timer.metrics(usage) });
      return out;
    },
  };
}

/** Adds one streamed piece of a call to its entry; returns the call's index. */
function addPiece(pending: Map<number, PendingCall>, piece: StreamToolCallDelta): number {
  // A server that sends each call whole may leave out `index`: then each piece is a call of its own.
  const index = typeof piece.index === 'number' ? piece.index : pending.size === 0 ? 0 : Math.max(...pending.keys()) + 1;
  let call = pending.get(index);
  if (call === undefined) {
    call = { id: '', name: '', arguments: '' };
    pending.set(index, call);
  }
  if (typeof piece.id === 'string' && piece.id !== '') call.id = piece.id;
  if (typeof piece.function?.name === 'string') call.name += piece.function.name;
  if (typeof piece.function?.arguments === 'string') call.arguments += piece.function.arguments;
  return index;
}

function wholeCall(call: PendingCall, index: number, server: string): OllamaToolCall {
  let parsed: unknown = {};
  if (call.arguments.trim() !== '') {
    try {
      parsed = JSON.parse(call.arguments);
    } catch (error) {
      throw new UpstreamProtocolError(`${server} sent tool call ${JSON.stringify(call.name)} with arguments that are not JSON: ${call.arguments.slice(0, 200)}`, error);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UpstreamProtocolError(`${server} sent tool call ${JSON.stringify(call.name)} with arguments that are not a JSON object: ${call.arguments.slice(0, 200)}`);
  }
  return { ...(call.id !== '' && { id: call.id }), function: { index, name: call.name, arguments: parsed as Record<string, unknown> } };
}

export function toNativeLogprob(entry: StreamLogprob): OllamaLogprob {
  const native: OllamaLogprob = { token: entry.token ?? '', logprob: entry.logprob ?? 0 };
  if (Array.isArray(entry.bytes)) native.bytes = entry.bytes;
  if (Array.isArray(entry.top_logprobs)) {
    native.top_logprobs = entry.top_logprobs.map((top) => ({
      token: top.token ?? '',
      logprob: top.logprob ?? 0,
      ...(Array.isArray(top.bytes) && { bytes: top.bytes }),
    }));
  }
  return native;
}
