/**
 * One value at a time from an async generator of batches, as an async generator itself. Ollama's
 * lines arrive together (a socket read holds several), and an async generator that yields each of
 * them costs a resumption and an await per line: for a 20-token answer, 20 of them, on every
 * request. Here a batch is taken with one `next()` of the source, and the values already in hand
 * are given out as resolved promises.
 *
 * `before(value)` runs as each value is given out, and may throw: the error is then thrown into
 * the source at its `yield` (`throw()`), so the source's own catch and finally decide what the
 * caller sees and close what it holds, as if the value had been yielded there. That is how a
 * cancel stops the values of a batch already read.
 */
export function flattenBatches<T>(source: AsyncGenerator<T[], void>, before: (value: T) => void): AsyncGenerator<T, void> {
  let batch: T[] = [];
  let index = 0;
  let finished = false;

  const give = (): Promise<IteratorResult<T, void>> => {
    const value = batch[index++] as T;
    try {
      before(value);
    } catch (error) {
      return rethrow(error);
    }
    return Promise.resolve({ done: false, value });
  };
  const failed = (error: unknown): never => {
    finished = true;
    throw error;
  };
  const rethrow = (error: unknown): Promise<IteratorResult<T, void>> => {
    batch = [];
    return source.throw(error).then(ended, failed);
  };
  const ended = (): IteratorResult<T, void> => {
    finished = true;
    return { done: true, value: undefined };
  };
  const received = (result: IteratorResult<T[], void>): Promise<IteratorResult<T, void>> | IteratorResult<T, void> => {
    if (result.done === true) return ended();
    batch = result.value;
    index = 0;
    // The source never yields an empty batch, but an empty one is only a reason to ask again.
    return batch.length > 0 ? give() : source.next().then(received, failed);
  };

  const flattened: AsyncGenerator<T, void> = {
    next() {
      if (index < batch.length) return give();
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return source.next().then(received, failed);
    },
    return() {
      batch = [];
      finished = true;
      return source.return(undefined).then(ended, failed);
    },
    throw: rethrow,
    [Symbol.asyncIterator]() {
      return flattened;
    },
  };
  return flattened;
}
