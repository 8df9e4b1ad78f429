/**
 * The request target as a URL. RFC 9112 §3.2 allows the origin form ("/path?query") and, towards
 * proxies, the absolute form ("http://host/path"); anything else, or an absolute form that does not
 * parse, is the client's mistake: a 400, never an exception that escapes the request.
 */
import { InvalidRequestError } from '../utils/errors.js';

/** The base for origin-form targets; only the path and query are read from the result. */
const ORIGIN = 'http://localhost';

/**
 * origin-form = absolute-path [ "?" query ], where a segment holds only RFC 3986 pchars
 * (unreserved, %XX, sub-delims, ":", "@"). The query is read leniently (any visible character),
 * because clients send "[" and "|" there unencoded.
 */
const ORIGIN_FORM = /^(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+(?:\?[\x21-\x7e]*)?$/;

export interface RequestTarget {
  url: URL;
  /** The authority of an absolute-form target ("host:port"), which the Host check must pass too. */
  authority: string | undefined;
}

export function parseRequestTarget(target: string | undefined): RequestTarget {
  const raw = target ?? '';
  // Concatenated, not resolved against a base: `new URL('//x/y', base)` would read "x" as a host
  // (so "//v1/models" became "/models") and throws on "//" and "//[".
  if (ORIGIN_FORM.test(raw)) return { url: parse(ORIGIN + raw, raw), authority: undefined };
  if (/^https?:\/\//i.test(raw)) {
    const url = parse(raw, raw);
    return { url: parse(ORIGIN + url.pathname + url.search, raw), authority: url.host };
  }
  throw invalidTarget(raw);
}

function parse(text: string, raw: string): URL {
  try {
    return new URL(text);
  } catch {
    throw invalidTarget(raw);
  }
}

function invalidTarget(raw: string): InvalidRequestError {
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
  return new InvalidRequestError(
    `The request target "${shown}" is not a path this server can read; send a path such as /v1/chat/completions.`,
    null,
    'invalid_request_target',
  );
}
