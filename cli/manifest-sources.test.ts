import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { UsageError } from './args.js';
import { InputError } from './command.js';
import { expandManifestPaths, readManifestSources } from './manifest-sources.js';

/** a.json, b/ (c.yaml, d/e.yml), f.yml, notes.md, z.YAML */
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'manifest-sources-'));
  mkdirSync(join(root, 'b', 'd'), { recursive: true });
  for (const file of ['a.json', 'b/c.yaml', 'b/d/e.yml', 'f.yml', 'notes.md', 'z.YAML']) {
    writeFileSync(join(root, file), `# ${file}\n`);
  }
  return root;
}

describe('manifest sources', () => {
  it("should read a folder's manifest files in name order, sub-folders only when recursive, as kubectl walks (extensions match case-sensitively)", () => {
    const root = tree();
    const relative = (files: string[]) => files.map((file) => file.slice(root.length + 1));
    expect(relative(expandManifestPaths([root], false))).toEqual(['a.json', 'f.yml']);
    expect(relative(expandManifestPaths([root], true))).toEqual(['a.json', 'b/c.yaml', 'b/d/e.yml', 'f.yml']);
    // A file named explicitly is read whatever its extension; order follows the arguments.
    expect(relative(expandManifestPaths([join(root, 'notes.md'), join(root, 'b')], false))).toEqual([
      'notes.md',
      'b/c.yaml',
    ]);
  });

  it('should name each text after its file or <stdin>, reading standard input once', async () => {
    const root = tree();
    let reads = 0;
    const stdin = () => {
      reads += 1;
      return Promise.resolve('kind: Pod\n');
    };
    const sources = await readManifestSources([join(root, 'f.yml'), '-'], { recursive: false, stdin });
    expect(sources).toEqual([
      { name: join(root, 'f.yml'), text: '# f.yml\n' },
      { name: '<stdin>', text: 'kind: Pod\n' },
    ]);
    expect(reads).toBe(1);
    await expect(readManifestSources(['-', '-'], { recursive: false, stdin })).rejects.toThrow(UsageError);
    expect(reads).toBe(1);
  });

  it('should refuse a missing path and a folder without manifests as bad input', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'manifest-sources-'));
    await expect(readManifestSources([join(empty, 'nope.yaml')], { recursive: false })).rejects.toThrow(
      new InputError(`the path "${join(empty, 'nope.yaml')}" does not exist`)
    );
    await expect(readManifestSources([empty], { recursive: false })).rejects.toThrow(
      new InputError(`no *.yaml, *.yml or *.json files in ${empty} (-R reads sub-folders)`)
    );
  });
});
