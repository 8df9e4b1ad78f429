/**
 * An installed model on /api/chat or /api/generate: the client's body goes to Ollama as it came
 * (rlm adds only the server's `num_ctx` when the client set none, as on /v1, so the pipeline and
 * pass-through never make Ollama reload a model for another context size), and the answer comes
 * back in Ollama's own format. Streamed, each object is relayed as it arrives, and the status line
 * waits for the first one, as Ollama's does, so a failure before it keeps its real status; a
 * failure after it is Ollama's trailing error line. A client that leaves aborts the upstream
 * request, which closes its socket, which is what makes Ollama stop generating.
 */
import type { RequestContext } from '../../server/context.js';
import { isRecord } from '../validate.js';
import { sendNativeJson } from './native-chunks.js';
import { createNdjsonStream } from './native-stream.js';

/** The body for Ollama: the client's own, with `num_ctx` filled in when it sent none. */
export function passThroughBody<T extends object>(context: RequestContext, body: Record<string, unknown>): T {
  const { numCtx } = context.app.config;
  const options = isRecord(body['options']) ? body['options'] : {};
  if (numCtx <= 0 || options['num_ctx'] !== undefined) return body as T;
  return { ...body, options: { ...options, num_ctx: numCtx } } as T;
}

/** Relays a native stream line by line; the first line opens the answer. */
export async function relayNativeStream(context: RequestContext, chunks: AsyncGenerator<object>): Promise<void> {
  const stream = createNdjsonStream(context.response, { signal: context.cancel ?? context.signal });
  try {
    for await (const chunk of chunks) await stream.line(chunk);
  } finally {
    // Leaving early (the client went away) releases the upstream answer unread: its socket closes.
    await chunks.return(undefined);
  }
  await stream.end();
}

/** A `stream: false` answer: Ollama's aggregate, as one JSON object. */
export async function sendWhole(context: RequestContext, whole: Promise<object>): Promise<void> {
  sendNativeJson(context.response, 200, await whole);
}
