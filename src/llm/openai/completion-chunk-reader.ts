/**
 * OpenAI `text_completion` chunks read back as Ollama's native generate chunks: each choice's
 * `text` is a `response` piece, and the done chunk, made at the stream's end, carries the reason
 * and the counts. There is no `context`: an OpenAI server keeps no token state for the caller.
 */
import type { OllamaGenerateResponse } from '../../types/ollama.js';
import type { ChunkReaderDeps } from './chat-chunk-reader.js';
import type { CompletionChunk } from './completion-chunk.js';
import { createStreamTimer, doneReason, type StreamUsage } from './stream-ending.js';

export interface CompletionChunkReader {
  read(chunk: CompletionChunk): OllamaGenerateResponse[];
  readonly finished: boolean;
  done(): OllamaGenerateResponse[];
}

export function createCompletionChunkReader(model: string, deps: ChunkReaderDeps): CompletionChunkReader {
  const timer = createStreamTimer(deps.now);
  let finishReason: string | undefined;
  let usage: StreamUsage | undefined;
  const stamp = (): string => deps.date().toISOString();
  return {
    read(chunk) {
      // Ollama's /v1 puts zero usage on every chunk and the real one on its own last chunk; the last wins.
      if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
      const choice = chunk.choices?.find((candidate) => (candidate.index ?? 0) === 0);
      if (choice === undefined) return [];
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') finishReason = choice.finish_reason;
      const text = typeof choice.text === 'string' ? choice.text : '';
      if (text === '') return [];
      timer.token();
      return [{ model, created_at: stamp(), response: text, done: false }];
    },
    get finished() {
      return finishReason !== undefined;
    },
    done() {
      return [{ model, created_at: stamp(), response: '', done: true, done_reason: doneReason(finishReason), ...timer.metrics(usage) }];
    },
  };
}
