/**
 * YAML (or JSON) manifest texts → the Kubernetes objects in them, each remembering the file and line it came from.
 * Multi-document streams and `kind: List` are flattened, as kubectl does; empty documents are skipped. A syntax error
 * is an InputError naming the file, line and column.
 */
import { LineCounter, parseAllDocuments } from 'yaml';

import { InputError } from './command.js';
import type { ManifestSource } from './manifest-sources.js';

export type ManifestObject = Record<string, unknown> & {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

export interface ManifestDocument {
  /** The source's name: a path or `<stdin>`. */
  readonly source: string;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly object: ManifestObject;
}

const isObject = (value: unknown): value is ManifestObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every object in one source; throws InputError `file:line:column: problem` on a YAML syntax error. */
export function parseManifestDocuments(source: ManifestSource): ManifestDocument[] {
  const lineCounter = new LineCounter();
  const documents: ManifestDocument[] = [];
  for (const document of parseAllDocuments(source.text, { lineCounter })) {
    const error = document.errors[0];
    if (error !== undefined) {
      const start = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      const problem = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
      throw new InputError(`${source.name}:${start.line}:${start.col}: invalid YAML: ${problem}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    const line = lineCounter.linePos(document.contents?.range[0] ?? 0).line;
    if (!isObject(value)) {
      throw new InputError(`${source.name}:${line}: expected a Kubernetes object, found ${JSON.stringify(value)}`);
    }
    if (value.kind === 'List' && Array.isArray(value['items'])) {
      for (const [index, item] of (value['items'] as unknown[]).entries()) {
        if (!isObject(item)) throw new InputError(`${source.name}:${line}: List items[${index}] is not an object`);
        documents.push({ source: source.name, line, object: item });
      }
    } else {
      documents.push({ source: source.name, line, object: value });
    }
  }
  return documents;
}

/** `nodepool.yaml: NodePool "default"`: where an error about this object points. */
export function describeDocument(document: ManifestDocument): string {
  const { kind, metadata } = document.object;
  const name = metadata?.name;
  return `${document.source}: ${kind ?? 'object without kind'}${name === undefined ? '' : ` "${name}"`}`;
}
