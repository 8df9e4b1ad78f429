/**
 * `npx tsx scripts/real-ollama/start.ts`: serves the real Ollama that setup.sh installed, on a free
 * loopback port, with the project's models created; prints OLLAMA_HOST for other commands and
 * stops on Ctrl-C. For trying rlm by hand against real models:
 *
 *   OLLAMA_HOST=<printed host> npm start
 */
import { startRealOllama } from '../../test/support/real-ollama.js';

const ollama = await startRealOllama({ log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(`OLLAMA_HOST=${ollama.host}\n(log: ${ollama.logPath}; Ctrl-C stops it)\n`);
const stop = (): void => void ollama.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
