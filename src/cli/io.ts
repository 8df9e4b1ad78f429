/** What a CLI command may touch of the process, injected so commands can be run in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  onSignal: (signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void) => void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  onSignal: (signal, listener) => process.on(signal, listener),
};
