import { describe, it, expect } from 'vitest';
import { DEFAULT_OLLAMA_PORT, parseOllamaHost } from '../../src/llm/ollama-host.js';

describe('parseOllamaHost', () => {
  it('has Ollama’s default port', () => {
    expect(DEFAULT_OLLAMA_PORT).toBe(11434);
  });

  // The table of reference §9.1 (envconfig.Host tests), with bind addresses already mapped to the
  // address a client connects to (ConnectableHost, ollama-js formatHost).
  const table: Array<[string | undefined, string]> = [
    [undefined, 'http://127.0.0.1:11434'],
    ['', 'http://127.0.0.1:11434'],
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['1.2.3.4', 'http://1.2.3.4:11434'],
    [':1234', 'http://127.0.0.1:1234'],
    ['1.2.3.4:1234', 'http://1.2.3.4:1234'],
    ['example.com', 'http://example.com:11434'],
    ['example.com:1234', 'http://example.com:1234'],
    ['[::1]', 'http://[::1]:11434'],
    ['::1', 'http://[::1]:11434'],
    ['http://1.2.3.4', 'http://1.2.3.4:80'],
    ['https://1.2.3.4', 'https://1.2.3.4:443'],
    ['https://example.com/ollama', 'https://example.com:443/ollama'],
    ['ollama.com', 'https://ollama.com:443'],
    [':66000', 'http://127.0.0.1:11434'],
    [':-1', 'http://127.0.0.1:11434'],
  ];
  it.each(table)('%j -> %s', (value, expected) => {
    expect(parseOllamaHost(value)).toBe(expected);
  });

  it.each([
    ['  1.2.3.4  ', 'http://1.2.3.4:11434'],
    ['"1.2.3.4:1234"', 'http://1.2.3.4:1234'],
    ["'http://example.com'", 'http://example.com:80'],
    ['  "  "  ', 'http://127.0.0.1:11434'],
  ])('trims spaces and surrounding quotes: %j -> %s', (value, expected) => {
    expect(parseOllamaHost(value)).toBe(expected);
  });

  it.each([
    ['1.2.3.4:66000', 'http://1.2.3.4:11434'],
    ['1.2.3.4:-1', 'http://1.2.3.4:11434'],
    ['1.2.3.4:abc', 'http://1.2.3.4:11434'],
    ['http://1.2.3.4:66000', 'http://1.2.3.4:80'],
    ['https://example.com:abc', 'https://example.com:443'],
    ['example.com:', 'http://example.com:11434'],
  ])('falls back to the default port on an invalid one: %j -> %s', (value, expected) => {
    expect(parseOllamaHost(value)).toBe(expected);
  });

  it.each([
    ['0.0.0.0:1234', 'http://127.0.0.1:1234'],
    ['http://0.0.0.0', 'http://127.0.0.1:80'],
    ['::', 'http://[::1]:11434'],
    ['[::]', 'http://[::1]:11434'],
    ['[::]:8080', 'http://[::1]:8080'],
    ['http://:8080', 'http://127.0.0.1:8080'],
  ])('maps bind-all addresses to a connectable one: %j -> %s', (value, expected) => {
    expect(parseOllamaHost(value)).toBe(expected);
  });

  it.each([
    ['[::1]:8080', 'http://[::1]:8080'],
    ['http://[::1]', 'http://[::1]:80'],
    ['https://[2001:db8::1]:8443/x', 'https://[2001:db8::1]:8443/x'],
  ])('handles IPv6 with ports and schemes: %j -> %s', (value, expected) => {
    expect(parseOllamaHost(value)).toBe(expected);
  });

  it.each([
    ['http://example.com/', 'http://example.com:80'],
    ['https://example.com/ollama/', 'https://example.com:443/ollama'],
    ['example.com:1234/api/base', 'http://example.com:1234/api/base'],
    ['HTTPS://example.com', 'https://example.com:443'],
  ])('keeps a path prefix without a trailing slash: %j -> %s', (value, expected) => {
    expect(parseOllamaHost(value)).toBe(expected);
  });

  it.each(['http://', 'https://', 'http:///path', 'ftp://x', 'unix:///var/run/ollama.sock', 'exa mple.com', 'example.com?x=1'])(
    'throws a clear Error for %j',
    (value) => {
      expect(() => parseOllamaHost(value)).toThrow(Error);
      expect(() => parseOllamaHost(value)).toThrow(/OLLAMA_HOST/);
    },
  );
});
