/** Data at rest is the user's alone: new trace and index files are created private, old ones tightened. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeIndex } from '../../src/index/index-store.js';
import { newRunId } from '../../src/orchestrator/service/run-id.js';
import { createTraceStore } from '../../src/orchestrator/traces/trace-store.js';
import { makePrivateDirectory, tightenTree } from '../../src/utils/private-files.js';

let dataDir: string;
let umask: number;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rlm-private-'));
  // The usual desktop umask: without explicit modes, files would come out 0644 and directories 0755.
  umask = process.umask(0o022);
});
afterEach(async () => {
  process.umask(umask);
  await rm(dataDir, { recursive: true, force: true });
});

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

const posix = process.platform !== 'win32';

describe.runIf(posix)('private data files', () => {
  it('makePrivateDirectory creates every missing level 0700', async () => {
    await makePrivateDirectory(join(dataDir, 'a', 'b', 'c'));
    for (const path of ['a', 'a/b', 'a/b/c']) expect(await modeOf(join(dataDir, path))).toBe(0o700);
  });

  it('a run trace is written 0600 in 0700 directories', async () => {
    const store = createTraceStore({ dataDir: join(dataDir, 'data'), retentionDays: 0, now: () => Date.now() });
    const runId = newRunId(Date.now());
    const writer = await store.startRun({
      runId,
      startedAt: new Date().toISOString(),
      profile: 'rlm',
      requestedModel: 'rlm',
      request: { model: 'rlm', messages: [{ role: 'user', content: 'a secret prompt' }] },
      requestHash: '0'.repeat(64),
    });
    await writer.close();
    const runsDir = join(dataDir, 'data', 'runs');
    expect(await modeOf(join(dataDir, 'data'))).toBe(0o700);
    expect(await modeOf(runsDir)).toBe(0o700);
    const [day] = await readdir(runsDir);
    expect(await modeOf(join(runsDir, day!))).toBe(0o700);
    const [file] = await readdir(join(runsDir, day!));
    expect(await modeOf(join(runsDir, day!, file!))).toBe(0o600);
  });

  it('an index is written 0600 in 0700 directories', async () => {
    await writeIndex(join(dataDir, 'data'), {
      manifest: {
        version: 1, name: 'kb', root: '/project', model: 'embed', dimensions: 2, chunkCount: 1, fileCount: 1,
        chunkLines: 40, overlapLines: 8, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
      },
      chunks: [{ path: 'a.md', startLine: 1, endLine: 2, sha256: '0'.repeat(64), text: 'private text' }],
      vectors: new Float32Array([1, 0]),
    });
    const indexDir = join(dataDir, 'data', 'indexes', 'kb');
    expect(await modeOf(join(dataDir, 'data', 'indexes'))).toBe(0o700);
    expect(await modeOf(indexDir)).toBe(0o700);
    for (const file of await readdir(indexDir)) expect(await modeOf(join(indexDir, file))).toBe(0o600);
  });

  it('tightenTree narrows what others could read, keeps what is private, and does not follow links', async () => {
    await mkdir(join(dataDir, 'runs', '2026-01-01'), { recursive: true, mode: 0o755 });
    await writeFile(join(dataDir, 'runs', '2026-01-01', 'run.jsonl'), '{}\n', { mode: 0o644 });
    await writeFile(join(dataDir, 'already.txt'), 'x', { mode: 0o600 });
    const outside = await mkdtemp(join(tmpdir(), 'rlm-outside-'));
    try {
      await writeFile(join(outside, 'theirs.txt'), 'x', { mode: 0o644 });
      await symlink(join(outside, 'theirs.txt'), join(dataDir, 'link'));
      await chmod(dataDir, 0o755);

      const report = await tightenTree(dataDir);
      expect(report.failed).toEqual([]);
      expect(report.tightened).toBe(4); // the root, runs, the day, the run file
      expect(await modeOf(dataDir)).toBe(0o700);
      expect(await modeOf(join(dataDir, 'runs', '2026-01-01'))).toBe(0o700);
      expect(await modeOf(join(dataDir, 'runs', '2026-01-01', 'run.jsonl'))).toBe(0o600);
      expect(await modeOf(join(dataDir, 'already.txt'))).toBe(0o600);
      expect(await modeOf(join(outside, 'theirs.txt'))).toBe(0o644);
      expect((await tightenTree(dataDir)).tightened).toBe(0);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('tightenTree on a data directory that does not exist yet does nothing', async () => {
    expect(await tightenTree(join(dataDir, 'missing'))).toEqual({ tightened: 0, failed: [] });
  });
});
