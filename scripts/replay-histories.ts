// Replays every recorded workflow history (test/replay/histories/*.json) on the current workflow code and prints a
// JSON report: {"replayed": n, "failures": ["<workflowId>: <error>"]}. Exit code 1 on any failure.
// Runs as a plain Node process: Temporal's native replayer and protobuf types do not survive Jest's module registry.
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundlerOptions, workflowsPath } from '../workers/bundle.js';

const dir = process.argv[2] ?? join(import.meta.dirname, '..', 'test', 'replay', 'histories');
Runtime.install({ logger: new DefaultLogger('WARN') });
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const { workflowId, history } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      workflowId: string;
      history: unknown;
    };
    return { workflowId, history };
  });
const failures: string[] = [];
let replayed = 0;
for await (const result of Worker.runReplayHistories({ workflowsPath, bundlerOptions }, histories)) {
  replayed += 1;
  if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
}
process.stdout.write(JSON.stringify({ replayed, failures }) + '\n');
process.exit(failures.length > 0 ? 1 : 0);
