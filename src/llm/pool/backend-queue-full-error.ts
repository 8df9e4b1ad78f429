/** The pool's 429: every backend serving the model is at its `maxConcurrent` and the queue is full. */
import { RlmError } from '../../utils/errors.js';

export class BackendQueueFullError extends RlmError {
  constructor(model: string, queued: number, retryAfterSeconds: number) {
    super(`Every backend serving '${model}' is at its concurrency limit and ${queued} requests are already waiting. Retry in about ${retryAfterSeconds} s.`, {
      status: 429,
      type: 'rate_limit_error',
      code: 'backend_queue_full',
      retryable: true,
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}
