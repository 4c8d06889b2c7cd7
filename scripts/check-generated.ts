// `npm run verify:generated`: fails when a generated file no longer matches its source, like Karpenter's `make verify`.
// Today that is the CRDs in deploy/crds/, generated from the zod schemas in apis/ by `npm run generate`.
import { relative } from 'node:path';

import { REPO_ROOT, staleCrds } from '../apis/crds/generate.js';

const stale = staleCrds();
if (stale.length > 0) {
  process.stderr.write(
    `generated files are stale; run \`npm run generate\` and commit the result:\n${stale
      .map((file) => `  ${relative(REPO_ROOT, file)}`)
      .join('\n')}\n`
  );
  process.exit(1);
}
process.stdout.write('generated files are up to date\n');
