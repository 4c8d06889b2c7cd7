// One test bed for the whole integration run (starting it is the slow part). An already running test bed is
// reused when KT_TESTBED_FILE points at its endpoints (e.g. `npm run testbed -- up` in another terminal).
// Plain ESM: Jest loads global setup outside its module system, so the TypeScript test bed comes in through tsx.
import { existsSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const existing = process.env.KT_TESTBED_FILE;
  if (existing && existsSync(existing)) {
    process.stderr.write(`\nusing the running test bed at ${existing}\n`);
    return;
  }
  const { startTestbed } = await tsImport('../../testbed/index.ts', import.meta.url);
  process.stderr.write('\n');
  const testbed = await startTestbed({
    log: (m) => process.stderr.write(`${m}\n`),
    // Workflows are told to continue-as-new after 300 events instead of 4,096, so the suites exercise it.
    temporalDynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 300 },
  });
  process.env.KT_TESTBED_FILE = testbed.file;
  globalThis.__KT_TESTBED__ = testbed;
}
