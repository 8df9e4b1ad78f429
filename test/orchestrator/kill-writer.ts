/**
 * The child of the SIGKILL test (trace-durability.test.ts): starts a run in the data directory it
 * is given and appends attempts one at a time, printing `ack <seq>` once each append has resolved,
 * then waits to be killed.
 */
import { createTraceStore } from '../../src/orchestrator/traces/trace-store.js';
import { attemptFields, headerFields } from './trace-fixtures.js';

const [dataDir, runId, count] = process.argv.slice(2) as [string, string, string];
const store = createTraceStore({ dataDir, retentionDays: 0 });
const writer = await store.startRun(headerFields(runId));
process.stdout.write(`started\n`);
for (let seq = 0; seq < Number(count); seq++) {
  const record = await writer.append(attemptFields(`att-${seq}`, seq % 2 === 0 ? 'generate' : 'verify'));
  process.stdout.write(`ack ${record.seq}\n`);
}
setInterval(() => undefined, 60_000);
