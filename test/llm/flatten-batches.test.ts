import { describe, expect, it } from 'vitest';
import { flattenBatches } from '../../src/llm/flatten-batches.js';

/** A source that records how it ended: run to its end, returned early, or thrown into (and what it then threw). */
function source(batches: number[][], log: string[]): AsyncGenerator<number[], void> {
  return (async function* () {
    try {
      for (const batch of batches) yield batch;
      log.push('end');
    } catch (error) {
      log.push(`caught ${(error as Error).message}`);
      throw new Error(`classified ${(error as Error).message}`);
    } finally {
      log.push('finally');
    }
  })();
}

describe('flattenBatches', () => {
  it('gives out every value of every batch, in order, then ends the source', async () => {
    const log: string[] = [];
    const values: number[] = [];
    for await (const value of flattenBatches(source([[1, 2], [], [3]], log), () => {})) values.push(value);
    expect(values).toEqual([1, 2, 3]);
    expect(log).toEqual(['end', 'finally']);
  });

  it('an error from before() is thrown into the source, which decides what the caller sees', async () => {
    const log: string[] = [];
    const flattened = flattenBatches(source([[1, 2, 3]], log), (value) => {
      if (value === 2) throw new Error('stop');
    });
    expect(await flattened.next()).toEqual({ done: false, value: 1 });
    await expect(flattened.next()).rejects.toThrow('classified stop');
    expect(log).toEqual(['caught stop', 'finally']);
    expect(await flattened.next()).toEqual({ done: true, value: undefined });
  });

  it('return() in the middle of a batch reaches the source', async () => {
    const log: string[] = [];
    const flattened = flattenBatches(source([[1, 2, 3], [4]], log), () => {});
    expect(await flattened.next()).toEqual({ done: false, value: 1 });
    expect(await flattened.return(undefined)).toEqual({ done: true, value: undefined });
    expect(log).toEqual(['finally']);
    expect(await flattened.next()).toEqual({ done: true, value: undefined });
  });

  it('return() before the first next() leaves the source unstarted', async () => {
    const log: string[] = [];
    await flattenBatches(source([[1]], log), () => {}).return(undefined);
    expect(log).toEqual([]);
  });
});
