/** What a CLI command may touch of the process, injected so commands can be run in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  onSignal: (signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void) => void;
  /** stderr is a terminal: progress may redraw a line in place. */
  interactive?: boolean;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  onSignal: (signal, listener) => process.on(signal, listener),
  interactive: process.stderr.isTTY === true,
};
