import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackAddress, parseArguments, resolveConfig } from '../../src/server/config.js';

const resolve = (argv: string[], env: Record<string, string> = {}) => resolveConfig(parseArguments(argv).flags, env);

describe('configuration', () => {
  it('defaults: loopback, port 11435, Ollama on 127.0.0.1:11434, no key', () => {
    const config = resolve([]);
    expect(config).toMatchObject({ host: '127.0.0.1', port: 11435, ollamaUrl: 'http://127.0.0.1:11434', apiKey: undefined, logLevel: 'info' });
  });

  it('reads the environment, and flags win over it', () => {
    const env = { RLM_PORT: '9000', OLLAMA_HOST: '0.0.0.0:12345', RLM_API_KEY: 'k', RLM_LOG_LEVEL: 'DEBUG' };
    expect(resolve([], env)).toMatchObject({ port: 9000, ollamaUrl: 'http://127.0.0.1:12345', apiKey: 'k', logLevel: 'debug' });
    expect(resolve(['--port', '9100', '--ollama-host=https://example.com/ollama'], env)).toMatchObject({
      port: 9100,
      ollamaUrl: 'https://example.com:443/ollama',
    });
  });

  it('lists every problem, each naming its flag or variable', () => {
    try {
      resolve(['--bogus', 'x'], { RLM_PORT: '70000', RLM_UPSTREAM_TIMEOUT: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('--bogus');
      expect(problems).toContain('RLM_PORT');
      expect(problems).toContain('RLM_UPSTREAM_TIMEOUT');
    }
  });

  it('compares allowed hosts by name: a port in the list is dropped', () => {
    expect(resolve([], { RLM_ALLOWED_HOSTS: 'Tunnel.example.net:443, [::1]:80, other.example' }).allowedHosts).toEqual([
      'tunnel.example.net',
      '[::1]',
      'other.example',
    ]);
  });

  it('refuses a public bind without a key unless --insecure', () => {
    expect(() => resolve(['--host', '0.0.0.0'])).toThrow(/RLM_API_KEY/);
    expect(resolve(['--host', '0.0.0.0', '--insecure']).insecure).toBe(true);
    expect(resolve(['--host', '0.0.0.0'], { RLM_API_KEY: 'k' }).host).toBe('0.0.0.0');
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.4', false],
  ])('isLoopbackAddress(%s) = %s', (host, expected) => {
    expect(isLoopbackAddress(host)).toBe(expected);
  });
});
