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
    expect(resolve(['--host', '0.0.0.0'], { RLM_API_KEY: 'a-key-of-16-chrs' }).host).toBe('0.0.0.0');
  });

  const problemsOf = (argv: string[], env: Record<string, string> = {}): string[] => {
    try {
      resolve(argv, env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    return [];
  };

  it.each([[['--api-key=']], [['--api-key', '']], [['--api-key', '   ']], [['--api-key=\t', '--host', '0.0.0.0']]])(
    'refuses an empty or blank --api-key given explicitly: %j',
    (argv) => {
      expect(problemsOf(argv)).toContain('--api-key is empty: give a key, or leave the option out to run without one');
    },
  );

  it('an empty RLM_API_KEY counts as unset, a blank one is an error naming it', () => {
    expect(resolve([], { RLM_API_KEY: '' }).apiKey).toBeUndefined();
    expect(problemsOf([], { RLM_API_KEY: '  ' })).toEqual(['RLM_API_KEY is only whitespace: set a key, or unset the variable to run without one']);
  });

  it('the key is read without surrounding whitespace, which no Authorization header could carry', () => {
    expect(resolve(['--api-key', '  local-key  ']).apiKey).toBe('local-key');
    expect(resolve([], { RLM_API_KEY: ' local-key\n' }).apiKey).toBe('local-key');
  });

  it('refuses a key shorter than 16 characters on a non-loopback bind, even with --insecure, and names where it came from', () => {
    expect(problemsOf(['--host', '0.0.0.0', '--api-key', 'short'])).toEqual([
      '--api-key is 5 characters long: on a non-loopback address (0.0.0.0) a key needs at least 16, for example from `openssl rand -hex 16`',
    ]);
    expect(problemsOf(['--insecure'], { RLM_HOST: '192.168.1.4', RLM_API_KEY: '0123456789abcde' })[0]).toMatch(/^RLM_API_KEY is 15 characters long/);
    expect(resolve(['--host', '0.0.0.0', '--api-key', '0123456789abcdef']).apiKey).toBe('0123456789abcdef');
    // On loopback only this machine can connect, so a short key (or a dummy one) is the user's choice.
    expect(resolve(['--api-key', 'k']).apiKey).toBe('k');
  });

  it('budgets request bodies held at once at four times the largest body, unless told otherwise', () => {
    expect(resolve([])).toMatchObject({ maxBodyBytes: 32 * 1024 * 1024, maxBodyTotalBytes: 128 * 1024 * 1024 });
    expect(resolve(['--max-body-bytes', '1048576'])).toMatchObject({ maxBodyTotalBytes: 4 * 1048576 });
    expect(resolve(['--max-body-total-bytes=268435456'])).toMatchObject({ maxBodyTotalBytes: 268435456 });
    expect(resolve([], { RLM_MAX_BODY_BYTES: '2048', RLM_MAX_BODY_TOTAL_BYTES: '2048' })).toMatchObject({ maxBodyTotalBytes: 2048 });
  });

  it('refuses a body budget below the largest body, which would refuse such a body every time', () => {
    expect(problemsOf([], { RLM_MAX_BODY_BYTES: '4096', RLM_MAX_BODY_TOTAL_BYTES: '2048' })).toEqual([
      'RLM_MAX_BODY_TOTAL_BYTES (2048) is below the largest body allowed (4096, RLM_MAX_BODY_BYTES): such a body would be refused every time; ' +
        'raise it, or leave it unset for four times the largest body',
    ]);
    expect(problemsOf(['--max-body-total-bytes', '12'])).toEqual(['--max-body-total-bytes must be a whole number from 1024 to 68719476736, got "12"']);
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
