/**
 * The pipeline-overhead benchmark's Ollama stand-in, in its own process (started by
 * bench/pipeline-overhead.ts with the model delay in ms as its argument): the simulator, every
 * chat answered after that delay, each model answering by stage as the in-process world does
 * (`stageAnswer` in pipeline-overhead-world.ts). Over IPC: child → { type: 'ready', url }. It ends
 * when the parent disconnects.
 */
import { startSimulator } from '../test/simulator/index.js';
import { stageOf } from '../test/support/staged-script.js';
import { stageAnswer } from './pipeline-overhead-world.js';

/** In the simulator's catalogue: one small model plans and verifies, another generates. */
export const SIMULATED_STAGE_MODEL = 'qwen2.5:0.5b';
export const SIMULATED_GENERATOR = 'llama3.2';

if (process.send !== undefined && process.argv[2] !== undefined) {
  const delayMs = Number(process.argv[2]);
  const simulator = await startSimulator({ firstTokenLatencyMs: delayMs, tokenLatencyMs: 0 });
  for (const model of [SIMULATED_STAGE_MODEL, SIMULATED_GENERATOR]) {
    simulator.script(model, (request) => {
      const body = request.body as { messages: { content: string }[] };
      return stageAnswer(stageOf(request), body.messages.map((message) => message.content).join('\n'));
    });
  }
  process.send({ type: 'ready', url: simulator.url });
  // Recorded requests would pile up over thousands of calls; forget them as they come.
  const forget = setInterval(() => void simulator.requests.splice(0), 1000);
  process.on('disconnect', () => {
    clearInterval(forget);
    void simulator.close().finally(() => process.exit(0));
  });
}
