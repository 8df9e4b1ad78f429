/**
 * Starts one real Ollama for the whole real-model run and hands its address to the test files
 * through OLLAMA_TEST_HOST (the contract suite's switch) and the model variables. Without the
 * cache that setup.sh fills, a developer's run says it was skipped and why; under CI that is a
 * failure, never a silent skip.
 */
import { realOllamaMissing, REAL_MODELS, startRealOllama, type RealOllama } from '../support/real-ollama.js';

let ollama: RealOllama | undefined;

export async function setup(): Promise<void> {
  const missing = realOllamaMissing();
  if (missing !== undefined) {
    if (process.env.CI) throw new Error(`The real-model suite cannot run: ${missing}`);
    process.stderr.write(`\nreal-model suite SKIPPED: ${missing}\n\n`);
    process.env.RLM_REAL_SKIPPED = missing;
    return;
  }
  ollama = await startRealOllama({ log: (line) => process.stderr.write(`${line}\n`) });
  process.env.OLLAMA_TEST_HOST = ollama.host;
  process.env.OLLAMA_TEST_CHAT_MODEL = REAL_MODELS.chat;
  process.env.OLLAMA_TEST_EMBED_MODEL = REAL_MODELS.embed;
  process.env.RLM_REAL_OLLAMA_LOG = ollama.logPath;
  process.env.RLM_REAL_OLLAMA_PID = String(ollama.pid);
}

export async function teardown(): Promise<void> {
  await ollama?.stop();
}
