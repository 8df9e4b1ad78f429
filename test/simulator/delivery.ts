/**
 * Writing an answer: NDJSON streaming or a single JSON object, with latency, injected faults and
 * cancellation. Per protocol §1 and §8.2, headers go out only with the first line; an error before
 * that is a real HTTP status, an error after it is a trailing {"error":…} line with no done line.
 */
import type { ServerResponse } from 'node:http';
import type { Exchange } from './exchange.js';
import type { Fault } from './types.js';
import { goJson, sendBody, sendError, sendJson } from './wire.js';

export interface Answer {
  streaming: boolean;
  /** The done:false lines, built when written so each has its own created_at. */
  chunks: ReadonlyArray<() => object>;
  /** The done:true line. */
  final: () => object;
  /** The stream:false body: everything aggregated, metrics from the last chunk. */
  whole: () => object;
  firstDelayMs: number;
  stepDelayMs: number;
  fault: Fault | undefined;
  /** Whether the body has a `done` field for `missing-done` to drop (embeddings do not). */
  hasDone: boolean;
}

const NDJSON = 'application/x-ndjson';
const METRIC_KEYS = new Set([
  'done_reason', 'context', 'total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration',
  'eval_count', 'eval_duration',
]);

/** Load and unload answers (§3.6, §4.4): one JSON object, even when streaming was asked for. */
export function statusAnswer(line: () => object, fault: Fault | undefined): Answer {
  return { streaming: false, chunks: [], final: line, whole: line, firstDelayMs: 0, stepDelayMs: 0, fault, hasDone: true };
}

/** Resolves after `ms`, or at once when the client goes away; the timer never outlives the request. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
  });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * Writes one line, sending the headers first if needed, and waits for `drain` when told to.
 * `flushed` settles once the line has reached the socket, which a `reset` waits for.
 */
async function writeLine(exchange: Exchange, line: string): Promise<{ flushed: Promise<void> }> {
  const { response, signal } = exchange;
  if (!response.headersSent) response.writeHead(200, { 'Content-Type': NDJSON });
  let markFlushed: () => void = () => undefined;
  const flushed = new Promise<void>((resolve) => {
    markFlushed = resolve;
  });
  if (response.write(line, () => markFlushed())) return { flushed };
  await new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    response.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
  return { flushed };
}

/** Ends the stream; still an NDJSON answer when no line was written (a missing-done with no chunks). */
function endStream(response: ServerResponse): void {
  if (!response.headersSent) response.writeHead(200, { 'Content-Type': NDJSON });
  response.end();
}

/** A torn line: the first half of a real one. */
function malformed(value: object): string {
  const text = goJson(value);
  return text.slice(0, Math.ceil(text.length / 2));
}

/** The answer as it would look had the done line never come. */
function withoutDone(value: object): object {
  const entries = Object.entries(value)
    .filter(([key]) => !METRIC_KEYS.has(key))
    .map(([key, field]) => (key === 'done' ? [key, false] : [key, field]));
  return Object.fromEntries(entries) as object;
}

async function deliverWhole(exchange: Exchange, answer: Answer): Promise<void> {
  const { response, signal } = exchange;
  const { fault } = answer;
  if (fault?.kind === 'reset') return exchange.closeAbruptly();
  if (fault?.kind === 'stall') return untilAborted(signal);
  // Ollama answers stream:false only once generation is over.
  await sleep(answer.firstDelayMs + answer.stepDelayMs * answer.chunks.length, signal);
  if (signal.aborted) return;
  if (fault?.kind === 'error-line') return sendError(response, 500, fault.message);
  if (fault?.kind === 'malformed-line') {
    return sendBody(response, 200, malformed(answer.whole()), 'application/json; charset=utf-8');
  }
  if (fault?.kind === 'missing-done' && answer.hasDone) return sendJson(response, 200, withoutDone(answer.whole()));
  sendJson(response, 200, answer.whole());
}

async function deliverStream(exchange: Exchange, answer: Answer): Promise<void> {
  const { response, signal } = exchange;
  const fault = answer.fault?.kind === 'missing-done' && !answer.hasDone ? undefined : answer.fault;
  const lines: ReadonlyArray<() => object> = [...answer.chunks, answer.final];
  const faultAt =
    fault === undefined ? Infinity
    : 'afterChunks' in fault ? Math.max(0, Math.min(fault.afterChunks, answer.chunks.length))
    : answer.chunks.length;
  let written = 0;
  let flushed = Promise.resolve();
  for (const [index, line] of lines.entries()) {
    if (fault !== undefined && index === faultAt) {
      switch (fault.kind) {
        case 'error-line':
          // Nothing written yet: Ollama still can, and does, answer with a real status.
          if (written === 0) return sendError(response, 500, fault.message);
          await writeLine(exchange, `${goJson({ error: fault.message })}\n`);
          return endStream(response);
        case 'reset':
          // Let the lines already written reach the client, so the cut falls mid-stream.
          await Promise.race([flushed, untilAborted(signal)]);
          return exchange.closeAbruptly();
        case 'stall':
          return untilAborted(signal);
        case 'malformed-line':
          await writeLine(exchange, `${malformed(line())}\n`);
          break;
        case 'missing-done':
          return endStream(response);
        case 'http-error':
          break;
      }
    }
    await sleep(index === 0 ? answer.firstDelayMs : answer.stepDelayMs, signal);
    if (signal.aborted) return;
    ({ flushed } = await writeLine(exchange, `${goJson(line())}\n`));
    written += 1;
  }
  endStream(response);
}

export async function deliver(exchange: Exchange, answer: Answer): Promise<void> {
  if (answer.fault?.kind === 'http-error') return sendError(exchange.response, answer.fault.status, answer.fault.message);
  return answer.streaming ? deliverStream(exchange, answer) : deliverWhole(exchange, answer);
}
