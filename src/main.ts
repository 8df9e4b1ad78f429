/** Entry point of the `rlm` command (bin/rlm.js and npm start run this). */
import { processIo } from './cli/io.js';
import { runCli } from './cli/run.js';

// The exit code is set, not forced: the process ends by itself once the server and its sockets are closed.
process.exitCode = await runCli(process.argv.slice(2), processIo);
