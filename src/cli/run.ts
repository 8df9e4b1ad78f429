/** The `rlm` command line: picks the subcommand and turns failures into a message and an exit code. */
import { ConfigError, parseArguments } from '../server/config.js';
import { VERSION } from '../version.js';
import { helpText } from './help.js';
import type { CliIo } from './io.js';
import { serveCommand } from './serve.js';

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
      default:
        io.stderr(`rlm: unknown command "${command}". Run rlm --help for the list.\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`rlm: ${error.message}\n`);
      return 2;
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
