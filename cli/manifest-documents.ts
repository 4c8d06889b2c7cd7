/**
 * YAML (or JSON) manifest texts → the Kubernetes objects in them, each remembering the file and line it came from.
 * Multi-document streams and `kind: List` are flattened, as kubectl does; empty documents are skipped. A syntax error
 * is an InputError naming the file, line and column.
 */
import { LineCounter, parseAllDocuments } from 'yaml';

import { clip, formatFieldPath, protoKeyPaths } from '../apis/parse.js';
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

/** A value as an error quotes it: JSON, cut to a recognisable length (a document may be one megabyte-long scalar). */
function quote(value: unknown): string {
  return clip(JSON.stringify(value) ?? typeof value, 80);
}

/**
 * The fields every command reads before any schema (to pick the schema, to name the object in errors) must have
 * their Kubernetes types: `kind: {toString: 1}` made every later message throw a TypeError instead of naming it.
 */
function objectHeaderProblem(object: ManifestObject): string | undefined {
  for (const field of ['apiVersion', 'kind'] as const) {
    if (object[field] !== undefined && typeof object[field] !== 'string') {
      return `${field}: must be a string, found ${quote(object[field])}`;
    }
  }
  const metadata: unknown = object.metadata;
  if (metadata === undefined) return undefined;
  if (!isObject(metadata)) return `metadata: must be an object, found ${quote(metadata)}`;
  for (const field of ['name', 'namespace'] as const) {
    if (metadata[field] !== undefined && typeof metadata[field] !== 'string') {
      return `metadata.${field}: must be a string, found ${quote(metadata[field])}`;
    }
  }
  return undefined;
}

function checkedObject(sourceName: string, line: number, object: ManifestObject, where = ''): ManifestObject {
  // YAML makes `__proto__:` an own key; every command would then copy it into a prototype or drop it silently.
  const protoKey = protoKeyPaths(object)[0];
  if (protoKey !== undefined) {
    throw new InputError(
      `${sourceName}:${line}: ${where}${clip(formatFieldPath(protoKey), 200)}: a field or key may not be named "__proto__"`
    );
  }
  const problem = objectHeaderProblem(object);
  if (problem !== undefined) throw new InputError(`${sourceName}:${line}: ${where}${problem}`);
  return object;
}

/** Every object in one source; throws InputError `file:line:column: problem` on a YAML syntax error. */
export function parseManifestDocuments(source: ManifestSource): ManifestDocument[] {
  const lineCounter = new LineCounter();
  const documents: ManifestDocument[] = [];
  for (const document of parseAllDocuments(source.text, { lineCounter })) {
    const error = document.errors[0];
    if (error !== undefined) {
      const start = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      const problem = clip(error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim(), 200);
      throw new InputError(`${source.name}:${start.line}:${start.col}: invalid YAML: ${problem}`);
    }
    const line = lineCounter.linePos(document.contents?.range[0] ?? 0).line;
    let value: unknown;
    try {
      value = document.toJS();
    } catch (error) {
      // toJS throws (not reports) on alias bombs ("excessive alias count") and similar: still this file's fault.
      throw new InputError(`${source.name}:${line}: invalid YAML: ${clip(String((error as Error).message), 200)}`);
    }
    if (value === null || value === undefined) continue;
    if (!isObject(value)) {
      throw new InputError(`${source.name}:${line}: expected a Kubernetes object, found ${quote(value)}`);
    }
    if (value.kind === 'List' && Array.isArray(value['items'])) {
      for (const [index, item] of (value['items'] as unknown[]).entries()) {
        if (!isObject(item)) throw new InputError(`${source.name}:${line}: List items[${index}] is not an object`);
        documents.push({
          source: source.name,
          line,
          object: checkedObject(source.name, line, item, `List items[${index}].`),
        });
      }
    } else {
      documents.push({ source: source.name, line, object: checkedObject(source.name, line, value) });
    }
  }
  return documents;
}

/** `nodepool.yaml: NodePool "default"`: where an error about this object points. */
export function describeDocument(document: ManifestDocument): string {
  const { kind, metadata } = document.object;
  const name = metadata?.name;
  return `${document.source}: ${kind === undefined ? 'object without kind' : clip(kind, 100)}${name === undefined ? '' : ` "${clip(name, 100)}"`}`;
}
