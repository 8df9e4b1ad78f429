/**
 * The ports the Fetch standard blocks ("bad ports", https://fetch.spec.whatwg.org/#port-blocking),
 * the list Node's fetch (undici) enforces. rlm reached Ollama through fetch, which refused these
 * ports; it keeps refusing them over node:http, so that OLLAMA_HOST means the same whichever
 * transport is in use, and a port that fails does so with a message saying why.
 */
const BLOCKED = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115,
  117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587,
  601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
  6679, 6697, 10080,
]);

export function isBlockedPort(port: number): boolean {
  return BLOCKED.has(port);
}

/** What a transport throws for such a port; `upstream-errors.ts` turns it into its 502. */
export class BlockedPortError extends Error {
  readonly code = 'ERR_BLOCKED_PORT';
  constructor(port: number) {
    super(`bad port ${port}`);
    this.name = 'BlockedPortError';
  }
}
