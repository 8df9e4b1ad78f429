/**
 * Runs the Ollama simulator standalone, for demos and benchmarks:
 *   tsx test/simulator/cli.ts [--port N] [--latency MS] [--first-token-latency MS]
 */
import { startSimulator } from './index.js';

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(name);
  if (index === -1) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} needs a non-negative number`);
    process.exit(2);
  }
  return value;
}

const simulator = await startSimulator({
  port: flag('--port') ?? 0,
  tokenLatencyMs: flag('--latency') ?? 0,
  firstTokenLatencyMs: flag('--first-token-latency') ?? 0,
});
console.log(`Ollama simulator listening on ${simulator.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void simulator.close().then(() => process.exit(0));
  });
}
