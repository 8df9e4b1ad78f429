/**
 * Public contract of the Ollama simulator: what tests configure and what they can observe.
 * The wire itself follows Ollama's native API as documented in its repository (docs/api.md), and as its Go server behaves.
 */

export interface SimulatedModel {
  /** "llama3.2:latest"; a request for "llama3.2" matches it (default tag latest), case-insensitively. */
  name: string;
  /** Default "llama". */
  family?: string;
  /** Default "1B". */
  parameterSize?: string;
  /** Default "Q4_K_M". */
  quantization?: string;
  /** Default ["completion","tools"]; embedding models use ["embedding"]. */
  capabilities?: string[];
  /** Default 4096; reported by /api/show model_info["<family>.context_length"] and /api/tags details. */
  contextLength?: number;
  /** Vector size for /api/embed, default 384. */
  embeddingLength?: number;
  /** Local time with an offset, like Ollama's manifests; default a fixed timestamp. */
  modifiedAt?: string;
}

export interface SimulatedToolCall {
  name: string;
  arguments: Record<string, unknown>;
  /** Default: a deterministic "call_" + 8 chars of [a-z0-9]. */
  id?: string;
}

/**
 * A failure injected into a chat, generate or embed answer. `afterChunks` counts done:false lines.
 * Like Ollama, an `error-line` with nothing written yet becomes a plain HTTP 500 `{"error":…}`, and
 * non-streaming answers turn `error-line` into a 500, `malformed-line` into a non-JSON body and
 * `missing-done` into the aggregate with `done:false`.
 */
export type Fault =
  | { kind: 'http-error'; status: number; message: string }
  | { kind: 'error-line'; afterChunks: number; message: string }
  | { kind: 'reset'; afterChunks: number }
  | { kind: 'stall'; afterChunks: number }
  | { kind: 'malformed-line'; afterChunks: number }
  | { kind: 'missing-done' };

export interface SimulatedReply {
  /** Split into one chunk per token (optional leading whitespace + a non-space run). */
  content?: string;
  /** With `logprobs: true` in the request, the log-probability each content token is given (default -0.1). */
  logprob?: number;
  /** Streamed before the content, unless the request set think:false. */
  thinking?: string;
  toolCalls?: SimulatedToolCall[];
  /** On a done:false chunk before the final one (default), or inside the done:true chunk. */
  toolCallsOn?: 'chunk' | 'done';
  doneReason?: 'stop' | 'length';
  promptEvalCount?: number;
  evalCount?: number;
  fault?: Fault;
}

export type Reply = string | SimulatedReply;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** The client went away before the simulator finished answering. */
  aborted: boolean;
}

/**
 * A function is given the request; one that came in through `/v1` is given as the native request
 * its OpenAI body maps to, so one script serves both APIs (`Simulator.requests` keeps the /v1 body).
 */
export type Script = Reply | Reply[] | ((request: RecordedRequest) => Reply | Promise<Reply>);

export interface SimulatorOptions {
  /** Replaces the default catalogue (see DEFAULT_MODELS). */
  models?: SimulatedModel[];
  /** Default "0.33.0". */
  version?: string;
  /** Delay between streamed chunks, default 0. */
  tokenLatencyMs?: number;
  /** Delay before the first chunk (load + prompt eval), default 0. */
  firstTokenLatencyMs?: number;
  /** Default 0 (any free port), always on 127.0.0.1. */
  port?: number;
  /** Clock for created_at; pass a fixed date to make whole lines predictable. */
  now?: () => Date;
}

export interface SimulatorStats {
  requests: number;
  completed: number;
  aborted: number;
  inFlight: number;
}

export interface Simulator {
  /** "http://127.0.0.1:<port>" */
  readonly url: string;
  /** Every request in arrival order. */
  readonly requests: RecordedRequest[];
  /** Live counters (the same object throughout). */
  readonly stats: SimulatorStats;
  /** Replies for chat and generate on that model; a list is consumed one per call, its last entry repeats. */
  script(model: string, script: Script): void;
  /** Gives an installed model a new digest, as `ollama pull` of changed weights under the same name does; returns it. */
  repull(model: string): string;
  /** Applies to every following chat/generate/embed request until cleared; a reply's own fault wins. */
  fault(fault: Fault | undefined): void;
  /** Resolves once the predicate holds; rejects after timeoutMs (default 2000). */
  waitFor(predicate: (stats: SimulatorStats) => boolean, timeoutMs?: number): Promise<void>;
  /** Clears scripts, fault, recorded requests and counters. */
  reset(): void;
  /** Stops listening and destroys open sockets (stalled ones included). */
  close(): Promise<void>;
}
