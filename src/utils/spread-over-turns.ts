/**
 * Runs deferred work a few tasks per turn of the event loop. Work that arrives in a burst (a
 * thousand waiters of one shared refresh resuming, a thousand clients leaving at once and their
 * upstream requests being cancelled) would otherwise run inside one turn, each task costing about
 * half a millisecond, and hold the loop (and /health, and every open stream) for their combined
 * time. Between two slices, pending I/O is served.
 *
 * `soonOrNow` is for work that should not wait when there is no burst (a request's start): it runs
 * at once while fewer than a slice's worth of tasks ran inline this turn and nothing is queued,
 * and joins the queue otherwise, so a lone request pays nothing and the 800th of a burst waits its
 * turn instead of stalling the 799 before it.
 */

/** Tasks run per turn; each costs up to about a millisecond. */
const TASKS_PER_TURN = 16;

const queue: (() => void)[] = [];
let scheduled = false;
/** Tasks soonOrNow ran inline in this turn; reset by an immediate at the end of the turn. */
let inlineThisTurn = 0;

function resetInlineCount(): void {
  inlineThisTurn = 0;
}

/** Runs `task` now, unless this turn already ran a slice's worth inline or work is queued: then as spreadOverTurns. */
export function soonOrNow(task: () => void): void {
  if (queue.length > 0 || inlineThisTurn >= TASKS_PER_TURN) {
    spreadOverTurns(task);
    return;
  }
  if (inlineThisTurn === 0) setImmediate(resetInlineCount);
  inlineThisTurn += 1;
  task();
}

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
