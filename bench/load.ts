/**
 * A zero-dependency HTTP load generator on node:http: a fixed number of workers, each sending one
 * request after another over its own keep-alive socket, for a number of requests or a duration.
 * It reports throughput and latency percentiles and, when asked, the time to the first byte that
 * matches a marker (the first content delta of a stream), so a streaming hop can be timed where a
 * client would notice it. Bodies are built per request, so every request can differ (cache misses).
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  url: string;
  /** The POST body of the request with this index; a GET when absent. */
  body?: (index: number) => string;
  concurrency: number;
  /** Stop after this many requests (counted across workers), or… */
  requests?: number;
  /** …after this long (no new request starts once it has passed). */
  durationMs?: number;
  /**
   * Bytes whose first appearance marks "first content", e.g. `"content":"w` for a delta that
   * starts with "w". Found across chunk boundaries.
   */
  firstContent?: string;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  requests: number;
  /** Answers that were not 200, plus requests that failed outright. */
  errors: number;
  elapsedMs: number;
  perSecond: number;
  latencyMs: Percentiles;
  /** Only with `firstContent`; requests where the marker never came count as errors. */
  firstContentMs?: Percentiles;
}

interface Sample {
  total: number;
  first: number;
  ok: boolean;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { concurrency } = options;
  if (options.requests === undefined && options.durationMs === undefined) throw new Error('runLoad: give requests or durationMs');
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const target = new URL(options.url);
  const marker = options.firstContent === undefined ? undefined : Buffer.from(options.firstContent);
  const samples: Sample[] = [];
  let started = 0;
  const begin = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : begin + options.durationMs;
  const more = (): boolean => (options.requests === undefined || started < options.requests) && performance.now() < deadline;

  const worker = async (): Promise<void> => {
    while (more()) {
      const index = started++;
      samples.push(await once(agent, target, options.body?.(index), marker));
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const elapsedMs = performance.now() - begin;
  const good = samples.filter((sample) => sample.ok);
  const result: LoadResult = {
    requests: samples.length,
    errors: samples.length - good.length,
    elapsedMs: round(elapsedMs),
    perSecond: round((good.length / elapsedMs) * 1000),
    latencyMs: percentiles(good.map((sample) => sample.total)),
  };
  if (marker !== undefined) result.firstContentMs = percentiles(good.map((sample) => sample.first));
  return result;
}

function once(agent: Agent, target: URL, body: string | undefined, marker: Buffer | undefined): Promise<Sample> {
  return new Promise((resolve) => {
    const start = performance.now();
    let first = marker === undefined ? 0 : -1;
    let tail: Buffer = Buffer.alloc(0);
    const payload = body === undefined ? undefined : Buffer.from(body);
    const headers: Record<string, string | number> = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const outgoing = request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: payload === undefined ? 'GET' : 'POST', headers, agent },
      (response) => {
        response.on('data', (chunk: Buffer) => {
          if (first !== -1 || marker === undefined) return;
          // The marker may straddle two chunks: search the end of the last one with this one.
          const window = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
          if (window.indexOf(marker) !== -1) first = performance.now() - start;
          else tail = window.subarray(Math.max(0, window.length - marker.length + 1));
        });
        response.on('end', () => resolve({ total: performance.now() - start, first, ok: response.statusCode === 200 && first !== -1 }));
        response.on('error', () => resolve({ total: 0, first, ok: false }));
      },
    );
    outgoing.on('error', () => resolve({ total: 0, first, ok: false }));
    outgoing.end(payload);
  });
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((left, right) => left - right);
  const at = (fraction: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted.at(-1) ?? NaN) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
