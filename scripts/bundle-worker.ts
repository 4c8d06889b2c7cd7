// `npm run build` ends here: bundles the compiled worker (dist/workers/main.js) and what it imports into one
// tree-shaken file, dist/workers/main.bundle.js, which the chart runs. Loaded module by module, the Kubernetes client
// and the AWS SDK keep every module's source and metadata in the heap (~75 MiB of heap at idle, ~26 MiB of it theirs
// and unused: 700 EC2 commands, every Kubernetes API group); the bundle holds only what the worker calls.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WORKER_BUNDLE = join(REPO, 'dist', 'workers', 'main.bundle.js');

export async function bundleWorker(): Promise<void> {
  await build({
    entryPoints: [join(REPO, 'dist', 'workers', 'main.js')],
    outfile: WORKER_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The ES module builds (the AWS SDK's dist-es) tree-shake; their CommonJS builds are one file per client.
    mainFields: ['module', 'main'],
    // The Temporal worker finds its native bridge and its workflow thread's script beside its own files, and the
    // client, common and workflow packages must be the same instances it uses: all stay in node_modules.
    external: ['@temporalio/*'],
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    // Readable stack traces in logs: names kept, only whitespace and syntax minified.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const began = Date.now();
  await bundleWorker();
  process.stdout.write(`wrote ${WORKER_BUNDLE} in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
}
