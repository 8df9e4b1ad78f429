/** The text of `rlm --help`, generated from the settings table so it cannot drift from the code. */
import { SETTINGS } from '../server/config.js';

export function helpText(): string {
  const rows = [
    ...SETTINGS.map((setting) => ({ option: `${setting.flag} ${setting.value}`, env: setting.env, meaning: `${setting.description} [default: ${setting.default}]` })),
    { option: '--insecure', env: '', meaning: 'allow a non-loopback --host without an API key' },
  ];
  const optionWidth = Math.max(...rows.map((row) => row.option.length));
  const envWidth = Math.max(...rows.map((row) => row.env.length));
  const settings = rows.map((row) => `  ${row.option.padEnd(optionWidth)}  ${row.env.padEnd(envWidth)}  ${row.meaning}`).join('\n');
  return `rlm: an OpenAI-compatible server in front of Ollama for small local models.

Usage:
  rlm serve [options]                     start the server (the same as npm start)
  rlm models [--json]                     the pipeline's models by tier and why, and what Ollama has installed
  rlm ask "QUESTION" [--profile NAME]     run the pipeline once here: stages on stderr, the answer on stdout
                                          (exit 0 approved, 3 answered but not approved, 1 failed)
  rlm eval [SUITE|FILE.jsonl ...] [--profiles rlm,...] [--models m1,m2 | --installed] [--limit N]
           [--concurrency N] [--seed S] [--out DIR] [--calibrate]
                                          does the pipeline beat asking one model? each task single-shot and
                                          through each profile; resumable; --calibrate stores each profile's
                                          confidence calibration (suites: arithmetic, units, extraction, facts,
                                          instructions, retrieval)
  rlm runs [--limit N] [--before RUN_ID]  recent runs, newest first
  rlm show RUN_ID                         one run: every attempt, the answer, the verdict
  rlm verify-traces                       re-check every stored run's hash chain and seals, and the ledger of finished runs
                                          (exit 0 clean, 1 tampering or damage, 3 only incomplete runs: what a crash leaves)
  rlm index FOLDER [--name NAME] [--model MODEL] [--chunk-lines N] [--overlap N]
                                          build or refresh a local retrieval index (only changed chunks are embedded)
  rlm search "QUERY" [--index NAME] [-k 8] [--path-prefix PREFIX]
                                          the index's best chunks for a query
  rlm --help                              show this help
  rlm --version                           print the version

--json prints machine-readable JSON instead of text (models, ask, eval, runs, show, verify-traces, search).

Options (each also read from its environment variable; a flag wins). Every command reads them,
so --ollama-host, --config and --data-dir apply to all:
${settings}

Point an OpenAI client at http://127.0.0.1:11435/v1 (any API key unless RLM_API_KEY is set).
`;
}
