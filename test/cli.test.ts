/** The `rlm` command as a user runs it: a real process, real signals. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { startSimulator } from './simulator/index.js';

const projectRoot = new URL('..', import.meta.url);

function rlm(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = rlm(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('rlm CLI', () => {
  it('--help lists the commands and every setting with its environment variable', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('rlm serve');
    for (const name of ['RLM_HOST', 'RLM_PORT', 'OLLAMA_HOST', 'RLM_API_KEY', 'RLM_LOG_LEVEL']) expect(stdout).toContain(name);
  });

  it('--version matches package.json', async () => {
    const { stdout } = await run(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('package.json', projectRoot), 'utf8')) as { version: string };
    expect(stdout.trim()).toBe(pkg.version);
    expect(VERSION).toBe(pkg.version);
  });

  it('refuses a non-loopback bind without an API key, saying what to do', async () => {
    const { code, stderr } = await run(['serve', '--host', '0.0.0.0']);
    expect(code).toBe(2);
    expect(stderr).toContain('RLM_API_KEY');
    expect(stderr).toContain('--insecure');
  });

  it('reports every bad setting at once', async () => {
    const { code, stderr } = await run(['serve'], { RLM_PORT: 'eighty', RLM_LOG_LEVEL: 'loud' });
    expect(code).toBe(2);
    expect(stderr).toContain('RLM_PORT');
    expect(stderr).toContain('RLM_LOG_LEVEL');
  });

  it.runIf(process.platform !== 'win32')('serve makes a data directory that others could read private, and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rlm-cli-data-'));
    const today = new Date().toISOString().slice(0, 10); // a day retention keeps
    mkdirSync(join(dataDir, 'runs', today), { recursive: true });
    writeFileSync(join(dataDir, 'runs', today, 'run.jsonl'), '{}\n');
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'runs'), 0o755);
    chmodSync(join(dataDir, 'runs', today), 0o755);
    chmodSync(join(dataDir, 'runs', today, 'run.jsonl'), 0o644);
    const simulator = await startSimulator();
    const child = rlm(['serve', '--port', '0'], { OLLAMA_HOST: simulator.url, RLM_DATA_DIR: dataDir });
    try {
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('"event":"listening"')) resolve();
        });
        child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
      });
      expect(stderr).toMatch(/"event":"data_dir_tightened".*"paths":4/);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, 'runs', today, 'run.jsonl')).mode & 0o777).toBe(0o600);
    } finally {
      child.kill('SIGKILL');
      await simulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('serve starts, answers, and stops cleanly on SIGINT', async () => {
    const simulator = await startSimulator();
    const child = rlm(['serve', '--port', '0'], { OLLAMA_HOST: simulator.url });
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /"event":"listening","url":"([^"]+)"/.exec(stderr);
          if (match) resolve(match[1]!);
        });
        child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
      });
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await simulator.close();
    }
  });
});
