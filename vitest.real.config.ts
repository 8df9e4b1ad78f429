import { defineConfig } from 'vitest/config';

// The real-model suites: a real Ollama (built by scripts/real-ollama/setup.sh) with real small
// models, started once for the whole run by the global setup. Model calls on 2 CPU cores take
// seconds each, so files run one at a time and tests get minutes, not seconds.
export default defineConfig({
  test: {
    include: ['test/real/**/*.test.ts', 'test/llm/ollama-client.contract.test.ts'],
    globalSetup: ['test/real/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
