/**
 * Runs deferred work a few tasks per turn of the event loop. Work that arrives in a burst (a
 * thousand waiters of one shared refresh resuming, a thousand clients leaving at once and their
 * upstream requests being cancelled) would otherwise run inside one turn, each task costing about
 * half a millisecond, and hold the loop (and /health, and every open stream) for their combined
 * time. Between two slices, pending I/O is served.
 */

/** Tasks run per turn; each costs up to about a millisecond. */
const TASKS_PER_TURN = 16;

const queue: (() => void)[] = [];
let scheduled = false;

/** Runs `task` on a later turn, in arrival order. A task that throws does not stop the others. */
export function spreadOverTurns(task: () => void): void {
  queue.push(task);
  if (scheduled) return;
  scheduled = true;
  setImmediate(runSlice);
}

/** An immediate scheduled from inside an immediate runs on the next turn, after pending I/O. */
function runSlice(): void {
  for (const task of queue.splice(0, TASKS_PER_TURN)) {
    try {
      task();
    } catch {
      // A task's failure is its own; the tasks queued behind it still run.
    }
  }
  if (queue.length > 0) setImmediate(runSlice);
  else scheduled = false;
}
