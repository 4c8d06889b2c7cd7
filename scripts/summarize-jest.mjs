// Sums Jest JSON results into the plain line CI reads: "N passed, N failed, N skipped".
// A test file that failed to load counts as a failure, so a broken suite can never pass silently.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`missing results: ${file} (the runner did not finish)`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const suite of r.testResults) {
    if (suite.status === 'failed' && suite.assertionResults.length === 0) {
      failed += 1;
      console.log(`suite failed to run: ${suite.name}`);
    }
  }
}
console.log();
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
