/**
 * What the gateway benchmark's processes agree on: the roles, the IPC messages between
 * bench/gateway.ts (or bench/memory.ts) and bench/gateway-target.ts, and the models and scripted
 * replies.
 */
export type Role = 'simulator' | 'rlm' | 'proxy';
export type TargetRequest =
  | { type: 'cpu' }
  | { type: 'reset' }
  /** `collect`: run a full garbage collection first (when the process has --expose-gc). */
  | { type: 'memory'; collect: boolean };
export type TargetMessage =
  | { type: 'ready'; url: string }
  | { type: 'cpu'; micros: number; systemMicros: number }
  | { type: 'reset' }
  /** process.memoryUsage() in bytes, after a full garbage collection when `collected`; `maxRss` is the peak RSS so far (getrusage). */
  | { type: 'memory'; rss: number; maxRss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number; collected: boolean };

export const CHAT_MODEL = 'llama3.2:latest';
export const CODE_MODEL = 'qwen2.5-coder:1.5b';
export const EMBED_MODEL = 'nomic-embed-text';
/** 20 tokens: the simulator streams one chunk per word, then the done chunk. */
export const CHAT_REPLY = Array.from({ length: 20 }, (_, index) => `word${index + 1}`).join(' ');
export const CODE_REPLY = 'return a + b;';
