/**
 * GET /v1/rlm/run-events: a server-sent-events feed of runs as they start, record a step and
 * finish, each event one runs-list row (run-item.ts) with its `event` type, so the web page's list
 * updates without reloading. The feed never ends by itself: a client that leaves unsubscribes, and
 * the server's close ends it at once rather than after the grace period it gives requests.
 */
import type { RequestContext } from '../../server/context.js';
import { endOnServerClose } from '../../server/http-server.js';
import { openEventStream } from '../event-stream.js';
import { runItem } from './run-item.js';

export async function handleRunEvents(context: RequestContext): Promise<void> {
  const writer = openEventStream(context);
  await writer.comment('run events');
  await new Promise<void>((resolve) => {
    const unsubscribe = context.app.pipeline.onRunEvent((event) => {
      if (writer.closed) return;
      writer.data({ event: event.type, run: runItem(event.trace) }).catch(() => undefined);
    });
    const stop = (): void => {
      unsubscribe();
      resolve();
    };
    endOnServerClose(context.response, stop);
    if (context.signal.aborted) stop();
    else context.signal.addEventListener('abort', stop, { once: true });
  });
  // Ended by the server's close (a client that left has closed it already).
  writer.end();
}
