/**
 * What every subcommand shares: its I/O, its usage text, and one mapping from outcomes to exit codes —
 * 0 success; 1 bad input or a failure (the message says which file, field or service); 2 a usage error (one line
 * and a hint to `--help`).
 */
import { formatFlags, parseArgs, UsageError, wantsHelp, type FlagSpec, type ParsedArgs } from './args.js';

export const PROGRAM = 'karpenter-temporal';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, read whole; the process's own when absent. */
  readonly stdin?: () => Promise<string>;
}

export type Command = (args: readonly string[], io: CommandIo) => Promise<number>;

export interface CommandSpec {
  readonly name: string;
  /** The arguments after the command name: `-f FILENAME... [flags]`. */
  readonly synopsis: string;
  /** What the command does, one or more paragraphs. */
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  readonly examples?: readonly string[];
}

/** Input the command cannot use: a manifest that does not parse or validate, a file that does not exist. Exit 1. */
export class InputError extends Error {
  readonly type = 'InputError';
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function helpHint(command?: string): string {
  return `see '${PROGRAM}${command === undefined ? '' : ` ${command}`} --help'`;
}

export function usageText(spec: CommandSpec): string {
  const lines = [spec.description.trimEnd(), '', 'Usage:', `  ${PROGRAM} ${spec.name} ${spec.synopsis}`, ''];
  if (spec.examples !== undefined && spec.examples.length > 0) {
    lines.push('Examples:', ...spec.examples.map((example) => `  ${example}`), '');
  }
  lines.push('Flags:', formatFlags(spec.flags), '');
  return lines.join('\n');
}

/** Every line of `message` prefixed with `error: `. */
export function errorLines(message: string): string {
  return message
    .split('\n')
    .map((line) => `error: ${line}\n`)
    .join('');
}

/**
 * A subcommand from its spec and body: `-h`/`--help` prints the usage (exit 0), a UsageError exits 2 with a hint,
 * any other error exits 1 with its message.
 */
export function defineCommand(
  spec: CommandSpec,
  body: (args: ParsedArgs, io: CommandIo) => number | Promise<number>
): Command {
  return async (args, io) => {
    if (wantsHelp(args)) {
      io.stdout(usageText(spec));
      return 0;
    }
    try {
      return await body(parseArgs(spec.flags, args), io);
    } catch (error) {
      if (error instanceof UsageError) {
        io.stderr(`error: ${error.message}\n${helpHint(spec.name)}\n`);
        return 2;
      }
      io.stderr(errorLines(error instanceof Error ? error.message : String(error)));
      return 1;
    }
  };
}
