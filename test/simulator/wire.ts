/** Bytes on the wire: Go's JSON encoding, timestamps and the plain (non-streamed) answers. */
import type { ServerResponse } from 'node:http';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Go's json.Marshal escapes these even inside strings; JSON.stringify does not. */
const GO_ESCAPED = /[<>&\u2028\u2029]/g;

export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    GO_ESCAPED,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Go's %q for the strings we quote in messages; JSON quoting matches it for ordinary text. */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** RFC3339Nano in UTC with trailing zeros trimmed: "2025-10-17T23:14:07.41Z", "…:07Z". */
export function rfc3339Nano(date: Date): string {
  return date
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_match, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}

/** gin's c.JSON: a single object, no trailing newline. */
export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  sendBody(response, status, goJson(value), JSON_CONTENT_TYPE);
}

/** Every native error body is exactly {"error":"…"}. */
export function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: message });
}

export function sendText(response: ServerResponse, status: number, text: string, contentType = 'text/plain'): void {
  sendBody(response, status, text, contentType);
}

/** A complete body with its length, as Go sends small answers (Node would otherwise chunk it). */
export function sendBody(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
