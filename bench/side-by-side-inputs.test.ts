import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { diversePods, fakeInstanceTypes } from './scheduling-fixtures.js';
import { inputDigest, podLine, readScenarioInputs, typeLine, writeSideBySideInputs } from './side-by-side-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-side-by-side-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('side-by-side inputs', () => {
  it('should read back from the files exactly the fixtures bench:scheduling solves', () => {
    const [scenario] = writeSideBySideInputs(dir, ['fake-400/diverse-1000']);
    expect(scenario).toBeDefined();
    const inputs = readScenarioInputs(dir, scenario!);
    expect(inputs.pods).toEqual(diversePods(1000));
    expect(inputs.instanceTypes).toEqual(fakeInstanceTypes(400));
  });

  it('should write a pod mix once when Respect and Ignore share it', () => {
    const scenarios = writeSideBySideInputs(dir, [
      'fake-400/preferences-4000-respect',
      'fake-400/preferences-4000-ignore',
    ]);
    expect(scenarios.map((s) => [s.podsFile, s.preferencePolicy])).toEqual([
      ['pods-preferences-4000.json', 'Respect'],
      ['pods-preferences-4000.json', 'Ignore'],
    ]);
  });

  it('should change the digest when a request or an offering price changes', () => {
    const pods = diversePods(10);
    const types = fakeInstanceTypes(3);
    const before = inputDigest({ pods, instanceTypes: types });
    const changedPods = structuredClone(pods);
    changedPods[0]!.spec.containers[0]!.resources = { requests: { cpu: '2', memory: '1Gi' } };
    const changedTypes = structuredClone(types);
    changedTypes[2]!.offerings[0]!.price += 0.001;
    expect(inputDigest({ pods: changedPods, instanceTypes: types }).podsDigest).not.toBe(before.podsDigest);
    expect(inputDigest({ pods, instanceTypes: changedTypes }).typesDigest).not.toBe(before.typesDigest);
  });

  it('should describe pods and types in the canonical units bench.go uses', () => {
    const pod = diversePods(5)[4]!;
    expect(podLine(pod)).toMatch(
      /^default\/pod-5 uid-00000005 app=nginx cpu=\d+ memory=\d+ constraints=0\/0\/0\/1\/0\/0$/
    );
    expect(typeLine(fakeInstanceTypes(1)[0]!)).toBe(
      'fake-it-0 capacity=cpu=1000,memory=2147483648,pods=10 overhead=cpu=100,memory=10485760 ' +
        'test-zone-1/on-demand/0.314748/true,test-zone-1/spot/0.314748/true,test-zone-2/on-demand/0.314748/true,' +
        'test-zone-2/spot/0.314748/true,test-zone-3/on-demand/0.314748/true'
    );
  });
});
