/**
 * Index build throughput against the Ollama simulator: a generated folder of source-like files is
 * indexed from scratch, then again unchanged (everything reused), then after one file changed. The
 * simulator answers instantly, so this measures rlm's own cost (walk, read, chunk, hash, batch,
 * write), not a model's; with a real Ollama the embedding calls dominate.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIndex } from '../src/index/build.js';
import { createOllamaClient } from '../src/llm/ollama-client.js';
import { startSimulator } from '../test/simulator/index.js';
import type { Benchmark } from './run.js';

const FILES = 400;
const LINES_PER_FILE = 120;

export const indexBuildBenchmark: Benchmark = {
  name: 'index-build',
  async run(context) {
    const directory = await mkdtemp(join(tmpdir(), 'rlm-bench-index-'));
    const folder = join(directory, 'project');
    const simulator = await startSimulator();
    try {
      context.progress(`writing ${FILES} files of ${LINES_PER_FILE} lines`);
      for (let file = 0; file < FILES; file++) {
        const subfolder = join(folder, `module${file % 20}`);
        await mkdir(subfolder, { recursive: true });
        await writeFile(join(subfolder, `file${file}.ts`), sourceText(file));
      }
      const ollama = createOllamaClient({ baseUrl: simulator.url, timeoutMs: 60_000 });
      const build = () => buildIndex(ollama, { root: folder, name: 'bench', model: 'nomic-embed-text', dataDir: join(directory, 'data') });

      context.progress('building from scratch');
      const fresh = await build();
      context.progress('building again, unchanged');
      const unchanged = await build();
      await writeFile(join(folder, 'module0', 'file0.ts'), `${sourceText(0)}\n// changed\n`);
      context.progress('building again, one file changed');
      const oneChanged = await build();

      const seconds = (ms: number): number => Math.round(ms) / 1000;
      const results = {
        files: fresh.manifest.fileCount,
        chunks: fresh.manifest.chunkCount,
        dimensions: fresh.manifest.dimensions,
        fullBuildSeconds: seconds(fresh.durationMs),
        chunksPerSecond: Math.round(fresh.manifest.chunkCount / (fresh.durationMs / 1000)),
        unchangedRebuildSeconds: seconds(unchanged.durationMs),
        unchangedEmbedded: unchanged.embedded,
        oneFileChangedSeconds: seconds(oneChanged.durationMs),
        oneFileChangedEmbedded: oneChanged.embedded,
      };
      if (!context.json) {
        context.write('Index build against the simulator (rlm\'s own cost; a real model adds its embedding time)');
        context.write(`  folder                ${results.files} files, ${results.chunks} chunks of ${results.dimensions} dimensions`);
        context.write(`  full build            ${results.fullBuildSeconds} s (${results.chunksPerSecond} chunks/s)`);
        context.write(`  unchanged re-run      ${results.unchangedRebuildSeconds} s, ${results.unchangedEmbedded} chunks embedded`);
        context.write(`  one file changed      ${results.oneFileChangedSeconds} s, ${results.oneFileChangedEmbedded} chunks embedded\n`);
      }
      return results;
    } finally {
      await simulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  },
};

/** Deterministic source-like text: functions separated by blank lines, so chunks follow blocks. */
function sourceText(file: number): string {
  const lines: string[] = [];
  for (let line = 0; lines.length < LINES_PER_FILE; line++) {
    lines.push(`export function handler${file}_${line}(input: number): number {`, `  const scaled = input * ${line + 1} + ${file};`, `  return scaled % ${97 + line};`, '}', '');
  }
  return lines.slice(0, LINES_PER_FILE).join('\n');
}
