/**
 * Who may talk to the server. On a loopback bind the Host header must be a loopback name or an
 * allowed one (a page on another site that re-points its DNS at 127.0.0.1 still sends its own name:
 * DNS rebinding); that is stricter than Ollama, which also takes `*.local`, `*.internal` and the
 * machine's name. A browser Origin must be local or allow-listed (a page cannot drive the API from
 * a user's browser), as Ollama checks it. With an API key, every route but OPTIONS and /health
 * needs it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { AuthenticationError, InvalidRequestError, PermissionError } from '../utils/errors.js';

/** Schemes of desktop shells and editor webviews, which are local by construction (as in Ollama). */
const LOCAL_ORIGIN_SCHEMES = new Set(['app:', 'file:', 'tauri:', 'vscode-webview:', 'vscode-file:']);
const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

export interface AccessPolicy {
  /** Whether the server listens on loopback only (the Host check applies then). */
  loopbackBind: boolean;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  apiKey: string | undefined;
}

/**
 * The request's one Host header, read from the raw headers because node:http keeps only the first
 * of several. RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
 * HTTP/1.1 request message that lacks a Host header field and to any request message that contains
 * more than one Host header field line". Two names leave it open which one a proxy checked.
 */
export function singleHostHeader(rawHeaders: readonly string[], httpVersion: string): string | undefined {
  let found: string | undefined;
  let count = 0;
  for (let index = 0; index < rawHeaders.length - 1; index += 2) {
    const name = rawHeaders[index] as string;
    // Only a four-letter name can be "host"; the others are not lowercased (a request has a dozen).
    if (name.length === 4 && name.toLowerCase() === 'host') {
      count += 1;
      found ??= rawHeaders[index + 1] as string;
    }
  }
  if (count > 1) {
    throw new InvalidRequestError(`The request has ${count} Host headers; send exactly one.`, null, 'duplicate_host_header');
  }
  if (count === 0 && httpVersion === '1.1') {
    throw new InvalidRequestError('The request has no Host header; HTTP/1.1 requires one.', null, 'missing_host_header');
  }
  return found;
}

/**
 * Throws PermissionError unless the Host header is a loopback name or an allowed one. Only names
 * that never reach DNS pass by themselves: `localhost` and `*.localhost` (RFC 6761 §6.3: resolved
 * to loopback, and browsers do so without asking DNS), loopback IP literals, and 0.0.0.0 (a
 * literal too). `*.local`, `*.internal` and this machine's own name are resolved by mDNS or DNS, so
 * a page that re-points one of them at 127.0.0.1 would pass; they must be listed.
 */
export function checkHost(hostHeader: string | undefined, policy: AccessPolicy): void {
  if (!policy.loopbackBind) return;
  const name = hostName(hostHeader ?? '');
  if (isLoopbackName(name) || policy.allowedHosts.includes(name)) return;
  throw new PermissionError(
    `Host "${hostHeader ?? ''}" is not allowed: this server answers only to loopback names (localhost, *.localhost, 127.0.0.1, [::1]). ` +
      'To reach it by another name (a tunnel, a proxy, host.docker.internal, this machine\'s name), add the name to RLM_ALLOWED_HOSTS.',
    'host_not_allowed',
  );
}

function hostName(hostHeader: string): string {
  const trimmed = hostHeader.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  const colon = trimmed.lastIndexOf(':');
  return colon >= 0 ? trimmed.slice(0, colon) : trimmed;
}

/** A DNS name in the letters-digits-hyphen form (RFC 1123), so "evil/.localhost" is not one. */
const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || (name.endsWith('.localhost') && DNS_NAME.test(name))) return true;
  if (name === '0.0.0.0') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (name.startsWith('[') && name.endsWith(']') && isIP(name.slice(1, -1)) === 6) {
    // The URL parser writes an IPv6 literal in its shortest form, so [0:0:0:0:0:0:0:1] is [::1] too.
    const canonical = new URL(`http://${name}/`).hostname;
    return canonical === '[::1]' || canonical.startsWith('[::ffff:7f');
  }
  return false;
}

/** Throws PermissionError for a browser Origin that is neither local nor allow-listed. */
export function checkOrigin(origin: string | undefined, policy: AccessPolicy): void {
  if (origin === undefined || isOriginAllowed(origin, policy)) return;
  throw new PermissionError(
    `Origin "${origin}" is not allowed. To let a web page use this server, add its origin to RLM_ALLOWED_ORIGINS.`,
    'origin_not_allowed',
  );
}

export function isOriginAllowed(origin: string, policy: AccessPolicy): boolean {
  if (policy.allowedOrigins.includes('*') || policy.allowedOrigins.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes "null", sent by sandboxed frames of any site
  }
  if (LOCAL_ORIGIN_SCHEMES.has(url.protocol)) return true;
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTNAMES.has(url.hostname);
}

/** CORS headers for an allowed Origin; a preflight also gets methods and the echoed request headers. */
export function corsHeaders(origin: string | undefined, requestedHeaders: string | undefined, preflight: boolean): Record<string, string> {
  if (origin === undefined) return {};
  const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
  if (preflight) {
    headers['access-control-allow-methods'] = 'GET, POST, OPTIONS';
    // A "*" would not cover Authorization; echoing what the browser asks for does.
    if (requestedHeaders !== undefined) headers['access-control-allow-headers'] = requestedHeaders;
    headers['access-control-max-age'] = '600';
  } else {
    headers['access-control-expose-headers'] = 'x-request-id, x-rlm-run-id, x-rlm-confidence, x-rlm-approved';
  }
  return headers;
}

/** Throws AuthenticationError unless `Authorization: Bearer <apiKey>` matches (constant time). */
export function checkApiKey(authorization: string | undefined, policy: AccessPolicy): void {
  if (policy.apiKey === undefined) return;
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  if (match === null) {
    throw new AuthenticationError('Missing API key: send the header "Authorization: Bearer <key>" with the key set in RLM_API_KEY.');
  }
  // Hashing first gives equal-length buffers, so the comparison time says nothing about the key.
  const given = createHash('sha256').update(match[1] as string).digest();
  const expected = createHash('sha256').update(policy.apiKey).digest();
  if (!timingSafeEqual(given, expected)) throw new AuthenticationError('Incorrect API key provided.');
}
