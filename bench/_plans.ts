import { createHash } from 'node:crypto';
import { instanceTypesFromCatalog, readCatalogDirectory } from '../cli/simulate-catalog.js';
import { BUNDLED_CATALOG } from '../cli/simulate.js';
import { solve } from '../core/scheduling/index.js';
import { benchmarkNodePool, diversePods, fakeInstanceTypes, preferencePods, preseededNodes, singleKeySpreadPods } from './scheduling-fixtures.js';
const fake = fakeInstanceTypes(400);
const real = instanceTypesFromCatalog(readCatalogDirectory(BUNDLED_CATALOG));
const h = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 12);
for (const [name, types] of [['fake', fake], ['real', real]] as const) {
  for (const n of [1, 100, 1000, 5000, 20000]) console.log(name, n, h(solve({ pods: diversePods(n), nodePools: [benchmarkNodePool()], instanceTypes: types })));
  for (const p of ['Respect', 'Ignore'] as const) console.log(name, 'pref', p, h(solve({ pods: preferencePods(4000), nodePools: [benchmarkNodePool()], instanceTypes: types, options: { preferencePolicy: p } })));
}
for (const e of [500, 2000]) {
  const input = { pods: singleKeySpreadPods(500), nodePools: [benchmarkNodePool()], instanceTypes: fake, existingNodes: preseededNodes(e) };
  console.log('existing', e, h(solve(input)), h(solve(input)), h(solve({ ...input, pods: singleKeySpreadPods(500) })));
}
