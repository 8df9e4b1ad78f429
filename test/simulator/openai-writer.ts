/**
 * The response the native handlers write to when a request came in through `/v1`, as Ollama's
 * middleware wraps gin's writer: the native handler runs unchanged (validation, scripts, latency,
 * faults, cancellation), and each write is turned into the OpenAI shape on its way out. A non-200
 * answer becomes an OpenAI error with the same status; NDJSON lines become `data:` events ending
 * in `data: [DONE]` (only after a done line: a stream cut by an error ends without it, as Ollama's
 * does); a whole answer becomes one completion object.
 */
import type { ServerResponse } from 'node:http';
import { errorMessageOf } from '../../src/llm/upstream-errors.js';
import { goJson } from './wire.js';
import { sendOpenAiError, sendOpenAiJson } from './openai-wire.js';

export interface Translation {
  /** The events for one native stream line (the done line's include the usage chunk when asked). */
  line(native: Record<string, unknown>): object[];
  /** What Ollama writes in place of an error line once the stream has started. */
  errorLine(): object[];
  /** A whole (stream:false) native answer. */
  whole(native: Record<string, unknown>): object;
}

type Mode = 'unset' | 'stream' | 'whole' | 'error';

export function openAiWriter(real: ServerResponse, translation: Translation): ServerResponse {
  let mode: Mode = 'unset';
  let status = 200;
  let sawDone = false;
  const held: string[] = [];

  const events = (text: string): string => {
    let native: unknown;
    try {
      native = JSON.parse(text);
    } catch {
      return `data: ${text.trimEnd()}\n\n`; // a torn line stays torn
    }
    const record = native as Record<string, unknown>;
    if (errorMessageOf(record) !== undefined) return translation.errorLine().map((event) => `data: ${goJson(event)}\n\n`).join('');
    if (record.done === true) sawDone = true;
    return translation.line(record).map((event) => `data: ${goJson(event)}\n\n`).join('');
  };

  const writer = {
    get headersSent(): boolean {
      return real.headersSent;
    },
    writeHead(code: number, headers?: Record<string, unknown>): unknown {
      status = code;
      const type = String(headers?.['Content-Type'] ?? '');
      if (code !== 200) mode = 'error';
      else if (type.includes('ndjson')) {
        mode = 'stream';
        real.writeHead(200, { 'Content-Type': 'text/event-stream' });
      } else mode = 'whole';
      return writer;
    },
    write(data: string | Buffer, callback?: () => void): boolean {
      if (mode === 'stream') return real.write(events(String(data)), callback);
      held.push(String(data));
      callback?.();
      return true;
    },
    end(data?: string | Buffer): unknown {
      if (data !== undefined) held.push(String(data));
      const text = held.join('');
      if (mode === 'stream') {
        real.end(sawDone ? 'data: [DONE]\n\n' : undefined);
      } else if (mode === 'error') {
        let message = text;
        try {
          message = errorMessageOf(JSON.parse(text)) ?? text;
        } catch {
          // not JSON: the text is the message
        }
        sendOpenAiError(real, status, message);
      } else {
        let native: unknown;
        try {
          native = JSON.parse(text);
        } catch {
          real.writeHead(200, { 'Content-Type': 'application/json' });
          real.end(text);
          return writer;
        }
        sendOpenAiJson(real, translation.whole(native as Record<string, unknown>));
      }
      return writer;
    },
    on: (event: string, listener: () => void) => (real.on(event, listener), writer),
    once: (event: string, listener: () => void) => (real.once(event, listener), writer),
    off: (event: string, listener: () => void) => (real.off(event, listener), writer),
    destroy: () => (real.destroy(), writer),
  };
  return writer as unknown as ServerResponse;
}
