/** The text of `rlm --help`, generated from the settings table so it cannot drift from the code. */
import { SETTINGS } from '../server/config.js';

export function helpText(): string {
  const width = Math.max(...SETTINGS.map((setting) => `${setting.flag} ${setting.value}`.length));
  const settings = SETTINGS.map(
    (setting) =>
      `  ${`${setting.flag} ${setting.value}`.padEnd(width)}  ${setting.env.padEnd(20)} ${setting.description} (default ${setting.default})`,
  ).join('\n');
  return `rlm: an OpenAI-compatible server in front of Ollama for small local models.

Usage:
  rlm serve [options]    start the server (the same as npm start)
  rlm --help             show this help
  rlm --version          print the version

Options for serve (each also read from its environment variable; a flag wins):
${settings}
  --insecure                                  allow a non-loopback --host without an API key

Point an OpenAI client at http://127.0.0.1:11435/v1 (any API key unless RLM_API_KEY is set).
`;
}
