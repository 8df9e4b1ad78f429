/**
 * OLLAMA_HOST, read by Ollama's own rules (envconfig.Host, mirrored by ollama-js formatHost), so the
 * variable a user already set for `ollama serve` points us at the same server. Where Ollama's value
 * names a bind address (0.0.0.0, "::", an empty host), we map it to the loopback address a client
 * can connect to, as Ollama's ConnectableHost and ollama-js do.
 */
import { isIP } from 'node:net';

export const DEFAULT_OLLAMA_PORT = 11434;

const LOOPBACK_IPV4 = '127.0.0.1';
const LOOPBACK_IPV6 = '::1';

/** A connectable base URL, `scheme://host:port[/path]`, without a trailing slash. */
export function parseOllamaHost(value: string | undefined): string {
  // envconfig.Var: trim, then strip surrounding quotes (a common slip in .env files and systemd units).
  const text = (value ?? '').trim().replace(/^["']+|["']+$/g, '').trim();

  let scheme = 'http';
  let defaultPort = String(DEFAULT_OLLAMA_PORT);
  let rest = text;
  const separator = text.indexOf('://');
  if (separator === -1) {
    // "ollama.com" alone means the hosted service, which only speaks https.
    if (text === 'ollama.com') {
      scheme = 'https';
      rest = 'ollama.com:443';
    }
  } else {
    scheme = text.slice(0, separator).toLowerCase();
    rest = text.slice(separator + 3);
    // With an explicit scheme the default port is the scheme's, NOT 11434 (Ollama's tests pin this).
    if (scheme === 'http') defaultPort = '80';
    else if (scheme === 'https') defaultPort = '443';
    else throw new Error(`OLLAMA_HOST "${text}" uses the scheme "${scheme}"; only http:// and https:// are supported.`);
    if (rest === '' || rest.startsWith('/')) throw new Error(`OLLAMA_HOST "${text}" names no host; expected e.g. http://127.0.0.1:11434.`);
  }

  const slash = rest.indexOf('/');
  const hostPort = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');

  const split = splitHostPort(hostPort);
  let host: string;
  let port: string;
  if (split === undefined) {
    // No port given: the whole thing is the host (a bare IPv6 address may come with or without brackets).
    port = defaultPort;
    const unbracketed = hostPort.replace(/^\[|\]$/g, '');
    host = isIP(unbracketed) !== 0 ? unbracketed : hostPort === '' ? LOOPBACK_IPV4 : hostPort;
  } else {
    ({ host, port } = split);
  }
  if (!/^\d+$/.test(port) || Number(port) > 65535) port = defaultPort;

  const connectable = connectableHost(host);
  const url = `${scheme}://${isIP(connectable) === 6 ? `[${connectable}]` : connectable}:${Number(port)}${path === '' ? '' : `/${path}`}`;
  validate(url, text);
  return url;
}

/**
 * Go's net.SplitHostPort: "host:port" or "[ipv6]:port"; undefined when there is no port part or the
 * host has stray colons (a bare IPv6 address), which Ollama then reads as a host without a port.
 */
function splitHostPort(hostPort: string): { host: string; port: string } | undefined {
  if (hostPort.startsWith('[')) {
    const match = /^\[([^\]]*)\]:([^:]*)$/.exec(hostPort);
    return match ? { host: match[1]!, port: match[2]! } : undefined;
  }
  const colon = hostPort.lastIndexOf(':');
  if (colon === -1 || hostPort.indexOf(':') !== colon) return undefined;
  return { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
}

/** Bind-all addresses are not places to connect to; their loopback twin is. */
function connectableHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return LOOPBACK_IPV4;
  if (isIP(host) === 6 && /^[0:]+$/.test(host)) return LOOPBACK_IPV6;
  return host;
}

function validate(url: string, original: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new Error(`OLLAMA_HOST "${original}" is not a usable address (read as ${url}).`, { cause: error });
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new Error(`OLLAMA_HOST "${original}" has a query or fragment; give only scheme, host, port and path.`);
  }
}
