/**
 * An eval's progress on stderr: on a terminal, one line redrawn in place with a bar, done/total,
 * rate, time left and running accuracy; in a pipe or a CI log, a plain line every 10 % (and at the
 * end), so a log stays readable.
 */
export interface ProgressSink {
  /** A task finished (or was already done when resuming). */
  update(done: number, correct: number): void;
  finish(): void;
}

export function createProgress(options: { total: number; resumed: number; isTty: boolean; write: (text: string) => void; now?: () => number }): ProgressSink {
  const now = options.now ?? Date.now;
  const started = now();
  const { total, resumed } = options;
  let lastDecile = -1;
  let lastLine = '';
  const line = (done: number, correct: number): string => {
    const fresh = done - resumed;
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? fresh / seconds : 0;
    const left = rate > 0 ? (total - done) / rate : undefined;
    const accuracy = done > 0 ? `${Math.round((100 * correct) / done)} % right` : '';
    return `${done}/${total}${resumed > 0 ? ` (${resumed} resumed)` : ''}, ${rate.toFixed(2)} tasks/s${left === undefined ? '' : `, ${duration(left)} left`}${accuracy ? `, ${accuracy}` : ''}`;
  };
  return {
    update(done, correct) {
      if (options.isTty) {
        const width = 24;
        const filled = total === 0 ? width : Math.round((width * done) / total);
        lastLine = `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line(done, correct)}`;
        options.write(`${lastLine}\u001b[K`);
        return;
      }
      const decile = total === 0 ? 10 : Math.floor((10 * done) / total);
      if (decile !== lastDecile) {
        lastDecile = decile;
        options.write(`rlm eval: ${line(done, correct)}\n`);
      }
    },
    finish() {
      if (options.isTty && lastLine !== '') options.write('\n');
    },
  };
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
