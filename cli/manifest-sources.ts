/**
 * Where manifests come from, as `kubectl apply -f` reads them: each `-f` (or positional) path is a file (any
 * extension), a folder (its `*.yaml`, `*.yml` and `*.json` files in name order; sub-folders only with
 * `-R/--recursive`), or `-` for standard input, read once. Every text keeps the name it came from so that errors
 * can say which file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { stdin } from 'node:process';

import { UsageError, type FlagSpec, type ParsedArgs } from './args.js';
import { InputError } from './command.js';

export const STDIN_NAME = '<stdin>';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export const FILENAME_FLAG: FlagSpec = {
  name: 'filename',
  short: 'f',
  value: 'FILENAME',
  repeatable: true,
  description: 'a manifest file, a folder (its *.yaml, *.yml, *.json), or - for standard input',
};

export const RECURSIVE_FLAG: FlagSpec = {
  name: 'recursive',
  short: 'R',
  description: 'also read the sub-folders of the folders given with -f',
};

export interface ManifestSource {
  /** The file's path as given (joined with the folder it was found in), or `<stdin>`. */
  readonly name: string;
  readonly text: string;
}

/** The paths of `-f`/`--filename` followed by the positional ones. */
export function manifestPaths(args: ParsedArgs): string[] {
  return [...args.values(FILENAME_FLAG.name), ...args.positional];
}

function folderFiles(folder: string, recursive: boolean): string[] {
  const files: string[] = [];
  const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...folderFiles(path, true));
    } else if (MANIFEST_EXTENSIONS.includes(extname(entry.name))) {
      files.push(path);
    }
  }
  return files;
}

/**
 * The files (and `-` for standard input) the paths name, in order. Throws InputError for a path that does not exist
 * and UsageError when `-` is given more than once.
 */
export function expandManifestPaths(paths: readonly string[], recursive: boolean): string[] {
  if (paths.filter((path) => path === '-').length > 1) {
    throw new UsageError('standard input (-) can only be given once');
  }
  return paths.flatMap((path) => {
    if (path === '-') return [path];
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch {
      throw new InputError(`the path "${path}" does not exist`);
    }
    return isFolder ? folderFiles(path, recursive) : [path];
  });
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads every manifest the paths name. Throws UsageError without paths, InputError when they name no manifest file
 * or one cannot be read.
 */
export async function readManifestSources(
  paths: readonly string[],
  options: { recursive: boolean; stdin?: (() => Promise<string>) | undefined }
): Promise<ManifestSource[]> {
  if (paths.length === 0) throw new UsageError('no manifests given: use -f FILENAME (a file, a folder, or -)');
  const sources: ManifestSource[] = [];
  for (const file of expandManifestPaths(paths, options.recursive)) {
    if (file === '-') {
      sources.push({ name: STDIN_NAME, text: await (options.stdin ?? readProcessStdin)() });
      continue;
    }
    try {
      sources.push({ name: file, text: readFileSync(file, 'utf8') });
    } catch (error) {
      throw new InputError(`${file}: ${(error as Error).message}`);
    }
  }
  if (sources.length === 0) {
    throw new InputError(
      `no *.yaml, *.yml or *.json files in ${paths.join(', ')}${options.recursive ? '' : ' (-R reads sub-folders)'}`
    );
  }
  return sources;
}
