/**
 * Command-line flags the way kubectl (spf13/pflag) reads them: `--name value`, `--name=value`, `-n value`, `-nvalue`,
 * `-n=value`, grouped short booleans (`-Rf dir`), `--` to end the flags, and `-h`/`--help` anywhere. Each command
 * declares its flags once; the same declaration drives parsing and the usage text.
 */

/** One flag. Without `value` it is a boolean switch. */
export interface FlagSpec {
  /** The long name without dashes: `filename`. */
  readonly name: string;
  /** A one-letter alias: `f`. */
  readonly short?: string;
  /** The value's placeholder in the usage text (`FILE`); absent for boolean switches. */
  readonly value?: string;
  /** May be given several times; every value is kept, in order. Otherwise the last one wins, as in kubectl. */
  readonly repeatable?: boolean;
  /** The only values accepted. */
  readonly choices?: readonly string[];
  readonly default?: string;
  readonly description: string;
}

/** What a user typed wrong: exit code 2 with a hint to `--help`. */
export class UsageError extends Error {
  readonly type = 'UsageError';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  /** The last value of a flag, or its default. */
  value(name: string): string | undefined;
  /** Every value of a repeatable flag, in the order given. */
  values(name: string): string[];
  /** Whether a boolean switch is on. */
  enabled(name: string): boolean;
  /** Arguments that are not flags, in order. */
  readonly positional: readonly string[];
}

export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', description: 'print this help' };

/** Whether `-h`/`--help` appears before any `--`: help wins over every other argument, as in kubectl. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

function parseBoolean(flag: string, text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`invalid argument "${text}" for "${flag}": expected true or false`);
}

/** Parses `args` against `flags`; throws UsageError on an unknown flag, a missing value or a value not allowed. */
export function parseArgs(flags: readonly FlagSpec[], args: readonly string[]): ParsedArgs {
  const byLong = new Map(flags.map((flag) => [flag.name, flag]));
  const byShort = new Map(flags.flatMap((flag) => (flag.short === undefined ? [] : [[flag.short, flag] as const])));
  const seen = new Map<string, string[]>();
  const switches = new Map<string, boolean>();
  const positional: string[] = [];

  const record = (flag: FlagSpec, written: string, value: string) => {
    if (flag.choices !== undefined && !flag.choices.includes(value)) {
      throw new UsageError(`invalid argument "${value}" for "${written}": expected one of ${flag.choices.join('|')}`);
    }
    seen.set(flag.name, flag.repeatable === true ? [...(seen.get(flag.name) ?? []), value] : [value]);
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = arg.slice(2, equals < 0 ? undefined : equals);
      const flag = byLong.get(name);
      if (flag === undefined) throw new UsageError(`unknown flag: --${name}`);
      const inline = equals < 0 ? undefined : arg.slice(equals + 1);
      if (flag.value === undefined) {
        switches.set(flag.name, inline === undefined ? true : parseBoolean(`--${name}`, inline));
        continue;
      }
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: --${name}`);
      record(flag, `--${name}`, value);
    } else if (arg.startsWith('-') && arg !== '-') {
      // A group of short flags: switches until one that takes a value, which takes the rest or the next argument.
      for (let at = 1; at < arg.length; at++) {
        const letter = arg[at] ?? '';
        const flag = byShort.get(letter);
        if (flag === undefined) throw new UsageError(`unknown shorthand flag: '${letter}' in ${arg}`);
        if (flag.value === undefined) {
          if (arg[at + 1] === '=') {
            switches.set(flag.name, parseBoolean(`-${letter}`, arg.slice(at + 2)));
            break;
          }
          switches.set(flag.name, true);
          continue;
        }
        const rest = arg.slice(at + 1).replace(/^=/, '');
        const value = rest !== '' ? rest : args[++i];
        if (value === undefined) throw new UsageError(`flag needs an argument: '${letter}' in -${letter}`);
        record(flag, `-${letter}`, value);
        break;
      }
    } else {
      positional.push(arg);
    }
  }

  return {
    value: (name) => seen.get(name)?.at(-1) ?? byLong.get(name)?.default,
    values: (name) => [...(seen.get(name) ?? [])],
    enabled: (name) => switches.get(name) ?? false,
    positional,
  };
}

/** The flag table of a usage text: `  -f, --filename FILE  description`, aligned. */
export function formatFlags(flags: readonly FlagSpec[]): string {
  const rows = [...flags, HELP_FLAG].map((flag) => {
    const names = `${flag.short === undefined ? '    ' : `-${flag.short}, `}--${flag.name}`;
    const left = flag.value === undefined ? names : `${names} ${flag.value}`;
    const notes = [
      flag.choices !== undefined ? `one of ${flag.choices.join('|')}` : undefined,
      flag.default !== undefined ? `default ${flag.default}` : undefined,
      flag.repeatable === true ? 'repeatable' : undefined,
    ].filter((note) => note !== undefined);
    return [left, notes.length > 0 ? `${flag.description} (${notes.join('; ')})` : flag.description];
  });
  const width = Math.max(...rows.map(([left]) => (left ?? '').length));
  return rows.map(([left, right]) => `  ${(left ?? '').padEnd(width)}  ${right ?? ''}`).join('\n');
}
