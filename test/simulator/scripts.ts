/** Scripted replies per model: one reply, a list consumed one per call, or a function. */
import { modelKey } from './names.js';
import type { RecordedRequest, Reply, Script } from './types.js';

interface Entry {
  script: Script;
  used: number;
}

export class ScriptBook {
  readonly #entries = new Map<string, Entry>();

  set(model: string, script: Script): void {
    this.#entries.set(modelKey(model), { script, used: 0 });
  }

  clear(): void {
    this.#entries.clear();
  }

  /** undefined when the model has no script: the handler then uses its default reply. */
  async next(model: string, request: RecordedRequest): Promise<Reply | undefined> {
    const entry = this.#entries.get(modelKey(model));
    if (entry === undefined) return undefined;
    const { script } = entry;
    if (typeof script === 'function') return script(request);
    if (!Array.isArray(script)) return script;
    // The last reply repeats once the list is exhausted.
    const reply = script[Math.min(entry.used, script.length - 1)];
    entry.used += 1;
    return reply;
  }
}
