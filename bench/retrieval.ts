/**
 * The retrieval benchmark: exact top-k search over 100,000 random normalised 768-dimension vectors
 * (the size of a large code base embedded with nomic-embed-text), timed per query. The search has
 * to read every vector, so its natural yardstick is how fast this machine can stream the same bytes:
 * the benchmark also times a plain sum loop and a memory copy over the same array and prints the
 * three rates side by side.
 */
import { normalizeVector, topK } from '../src/index/vector-search.js';
import type { Benchmark, BenchmarkContext } from './run.js';
import { seededRandom } from '../test/support/seeded-random.js';

const ROWS = 100_000;
const DIMENSIONS = 768;
const K = 10;
const WARM_UP_QUERIES = 20;
const MEASURED_QUERIES = 200;
const REFERENCE_PASSES = 7;
const SEED = 20_250_101;

export const retrievalBenchmark: Benchmark = {
  name: 'retrieval',
  run: runRetrievalBenchmark,
};

async function runRetrievalBenchmark(context: BenchmarkContext): Promise<Record<string, unknown>> {
  const random = seededRandom(SEED);
  context.progress(`retrieval: generating ${ROWS.toLocaleString('en-US')} × ${DIMENSIONS} vectors (seed ${SEED})`);
  const generationStart = performance.now();
  const vectors = new Float32Array(ROWS * DIMENSIONS);
  const raw = new Float64Array(DIMENSIONS);
  for (let row = 0; row < ROWS; row++) {
    for (let index = 0; index < DIMENSIONS; index++) raw[index] = random() * 2 - 1;
    vectors.set(normalizeVector(raw), row * DIMENSIONS);
  }
  const generationMs = performance.now() - generationStart;
  const queries = Array.from({ length: WARM_UP_QUERIES + MEASURED_QUERIES }, () =>
    normalizeVector(Array.from({ length: DIMENSIONS }, () => random() * 2 - 1)),
  );
  const bytesPerQuery = vectors.byteLength;

  context.progress(`retrieval: ${WARM_UP_QUERIES} warm-up and ${MEASURED_QUERIES} measured queries, k = ${K}`);
  // A checksum of the results keeps the work observable, so no engine could skip it.
  let checksum = 0;
  const timings: number[] = [];
  for (const [position, query] of queries.entries()) {
    const start = performance.now();
    const hits = topK(query, vectors, DIMENSIONS, K);
    const elapsed = performance.now() - start;
    checksum += hits[0]!.row;
    if (position >= WARM_UP_QUERIES) timings.push(elapsed);
  }
  const medianMs = percentile(timings, 0.5);
  const p95Ms = percentile(timings, 0.95);
  const totalMs = timings.reduce((sum, value) => sum + value, 0);

  context.progress(`retrieval: memory-bandwidth reference, ${REFERENCE_PASSES} passes each`);
  const sumPasses = timePasses(() => (checksum += sumAll(vectors)));
  // Copying one half over the other reads and writes half the array each: the same byte count in total.
  // It runs last because it overwrites the vectors.
  const half = vectors.length / 2;
  const copyPasses = timePasses(() => vectors.copyWithin(0, half, 2 * half));
  const sumMs = percentile(sumPasses, 0.5);
  const copyMs = percentile(copyPasses, 0.5);

  const result = {
    rows: ROWS,
    dimensions: DIMENSIONS,
    k: K,
    warmUpQueries: WARM_UP_QUERIES,
    measuredQueries: MEASURED_QUERIES,
    seed: SEED,
    vectorBytes: bytesPerQuery,
    generationMs: round(generationMs, 0),
    medianMs: round(medianMs, 2),
    p95Ms: round(p95Ms, 2),
    minMs: round(Math.min(...timings), 2),
    queriesPerSecond: round((MEASURED_QUERIES * 1000) / totalMs, 1),
    scanGBps: round(gigabytesPerSecond(bytesPerQuery, medianMs), 2),
    reference: {
      passes: REFERENCE_PASSES,
      sumLoopMs: round(sumMs, 2),
      sumLoopGBps: round(gigabytesPerSecond(bytesPerQuery, sumMs), 2),
      copyMs: round(copyMs, 2),
      /** Bytes read plus bytes written, as STREAM counts a copy. */
      copyGBps: round(gigabytesPerSecond(bytesPerQuery, copyMs), 2),
    },
    checksum,
  };

  if (!context.json) {
    const megabytes = (bytesPerQuery / 1e6).toFixed(1);
    context.write(
      [
        `Retrieval: exact top-${K} over ${ROWS.toLocaleString('en-US')} × ${DIMENSIONS} float32 vectors (${megabytes} MB),`,
        `${MEASURED_QUERIES} queries after ${WARM_UP_QUERIES} warm-up (vectors generated in ${result.generationMs} ms)`,
        '',
        table([
          ['median', `${result.medianMs.toFixed(2)} ms/query`],
          ['p95', `${result.p95Ms.toFixed(2)} ms/query`],
          ['fastest', `${result.minMs.toFixed(2)} ms/query`],
          ['throughput', `${result.queriesPerSecond.toFixed(1)} queries/s`],
        ]),
        '',
        `Bytes streamed per second over the same ${megabytes} MB (medians; reference: ${REFERENCE_PASSES} passes each)`,
        '',
        table([
          ['search (topK, dot products)', 'JS sum loop (reference)', 'copyWithin (read+write)'],
          [`${result.scanGBps.toFixed(2)} GB/s`, `${result.reference.sumLoopGBps.toFixed(2)} GB/s`, `${result.reference.copyGBps.toFixed(2)} GB/s`],
        ]),
        '',
      ].join('\n'),
    );
  }
  return result;
}

/**
 * The reference read loop: the fastest plain JavaScript sum we found over a Float32Array (eight
 * accumulators over eight contiguous segments; one accumulator is latency-bound at a third of the
 * speed). It does one addition per element where the search does a multiply-add, so it is the
 * ceiling for any JavaScript scan of these bytes on this machine.
 */
function sumAll(values: Float32Array): number {
  const segment = values.length >> 3;
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let sum4 = 0;
  let sum5 = 0;
  let sum6 = 0;
  let sum7 = 0;
  for (let index = 0; index < segment; index++) {
    sum0 += values[index]!;
    sum1 += values[segment + index]!;
    sum2 += values[2 * segment + index]!;
    sum3 += values[3 * segment + index]!;
    sum4 += values[4 * segment + index]!;
    sum5 += values[5 * segment + index]!;
    sum6 += values[6 * segment + index]!;
    sum7 += values[7 * segment + index]!;
  }
  for (let index = 8 * segment; index < values.length; index++) sum0 += values[index]!;
  return sum0 + sum1 + sum2 + sum3 + sum4 + sum5 + sum6 + sum7;
}

/** One untimed pass to warm up, then REFERENCE_PASSES timed ones. */
function timePasses(pass: () => unknown): number[] {
  pass();
  const timings: number[] = [];
  for (let index = 0; index < REFERENCE_PASSES; index++) {
    const start = performance.now();
    pass();
    timings.push(performance.now() - start);
  }
  return timings;
}

/** Nearest-rank percentile. */
function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((first, second) => first - second);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)]!;
}

function gigabytesPerSecond(bytes: number, milliseconds: number): number {
  return bytes / 1e9 / (milliseconds / 1000);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column]!)).join('   ')}`.trimEnd()).join('\n');
}

