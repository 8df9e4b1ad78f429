/** What a route handler gets: one request/response pair and the simulator state it may read. */
import type { ServerResponse } from 'node:http';
import type { ModelCatalog } from './models.js';
import type { ScriptBook } from './scripts.js';
import type { Fault, RecordedRequest } from './types.js';

export interface SimulatorSettings {
  version: string;
  tokenLatencyMs: number;
  firstTokenLatencyMs: number;
}

export interface SimulatorCore {
  readonly catalog: ModelCatalog;
  readonly scripts: ScriptBook;
  readonly settings: SimulatorSettings;
  currentFault(): Fault | undefined;
  now(): Date;
}

export interface Exchange {
  readonly request: RecordedRequest;
  readonly response: ServerResponse;
  /** Aborted when the client goes away (or the simulator closes) before the answer is finished. */
  readonly signal: AbortSignal;
  /** 1-based arrival number since the last reset; seeds deterministic ids. */
  readonly sequence: number;
  readonly bodyText: string;
  /** Destroys the socket on purpose (a `reset` fault): counted as completed, not aborted. */
  closeAbruptly(): void;
}

export type RouteHandler = (exchange: Exchange, core: SimulatorCore) => void | Promise<void>;
