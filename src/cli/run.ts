/** The `rlm` command line: picks the subcommand and turns failures into a message and an exit code. */
import { TaskFileError } from '../eval/task-file.js';
import { ConfigError, parseArguments } from '../server/config.js';
import { RlmError } from '../utils/errors.js';
import { VERSION } from '../version.js';
import { askCommand } from './ask.js';
import { evalCommand } from './eval.js';
import { helpText } from './help.js';
import { indexCommand } from './index-command.js';
import type { CliIo } from './io.js';
import { modelsCommand } from './models.js';
import { runsCommand } from './runs.js';
import { searchCommand } from './search-command.js';
import { serveCommand } from './serve.js';
import { showCommand } from './show.js';
import { UsageError } from './usage-error.js';
import { verifyTracesCommand } from './verify-traces.js';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { flags, positionals } = parseArguments(argv);
    const command = positionals[0];
    if (flags.has('--version')) {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    if (flags.has('--help') || flags.has('-h') || command === 'help') {
      io.stdout(helpText());
      return 0;
    }
    switch (command) {
      case 'serve':
      case undefined:
        return await serveCommand(flags, io);
      case 'models':
        return await modelsCommand(flags, io);
      case 'ask':
        return await askCommand(flags, positionals.slice(1), io);
      case 'runs':
        return await runsCommand(flags, io);
      case 'eval':
        return await evalCommand(flags, positionals.slice(1), io);
      case 'show':
        return await showCommand(flags, positionals[1], io);
      case 'verify-traces':
        return await verifyTracesCommand(flags, io);
      case 'index':
        return await indexCommand(flags, positionals[1], io);
      case 'search':
        return await searchCommand(flags, positionals.slice(1), io);
      default:
        io.stderr(`rlm: unknown command "${command}". Run rlm --help for the list.\n`);
        return 2;
    }
  } catch (error) {
    // A bad task file is the user's to fix, like a bad flag: one message, exit 2.
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof TaskFileError) {
      io.stderr(`rlm: ${error.message}\n`);
      return 2;
    }
    // Our errors carry messages written for people (Ollama unreachable, a profile's model missing).
    if (error instanceof RlmError) {
      io.stderr(`rlm: ${error.message}\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      io.stderr(`rlm: the port is already in use (${(error as Error).message}). Is rlm already running? Choose another with --port or RLM_PORT.\n`);
      return 1;
    }
    io.stderr(`rlm: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
