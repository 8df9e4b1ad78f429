/**
 * Holds a streaming answer's status back until the upstream stream has shown that it works.
 * Ollama sends its headers only with its first line (docs/reference/ollama-protocol.md §1), so a
 * failure before that line (a 500, nothing listening, a reset, the idle deadline) is known before
 * any byte of ours has gone out, and the client can be given the real status (502, 504, Ollama's
 * own 4xx) in the OpenAI error shape instead of a 200 followed by an error event.
 */

/**
 * Waits for the first chunk for at most `graceMs`, the keep-alive interval, and throws what the
 * stream threw if it failed in that time. A model still loading after that is what keep-alive
 * comments exist for, so the stream is then opened as before, and a later failure is an event in
 * it. The iterator returned yields the first chunk, then the rest; its `return()` always reaches
 * the upstream stream (so its socket closes), even before the first `next()`.
 */
export async function awaitFirstChunk<T>(chunks: AsyncIterator<T>, graceMs: number): Promise<AsyncIterableIterator<T>> {
  const head = chunks.next();
  // Not a timeout: the upstream request goes on either way, and the stream reads it. One promise
  // and one timer, rather than a race of two promises: this runs for every streamed request.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, graceMs);
    head.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
  let first: Promise<IteratorResult<T>> | undefined = head;
  const rest: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => rest,
    next: () => {
      const next = first ?? chunks.next();
      first = undefined;
      return next;
    },
    return: async () => {
      first = undefined;
      await chunks.return?.();
      return { done: true, value: undefined };
    },
  };
  return rest;
}
