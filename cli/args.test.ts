import { describe, expect, it } from '@jest/globals';

import { formatFlags, parseArgs, UsageError, wantsHelp, type FlagSpec } from './args.js';

const FLAGS: FlagSpec[] = [
  { name: 'filename', short: 'f', value: 'FILENAME', repeatable: true, description: 'a file' },
  { name: 'recursive', short: 'R', description: 'recurse' },
  { name: 'output', short: 'o', value: 'FORMAT', choices: ['table', 'json'], default: 'table', description: 'format' },
];

describe('parseArgs', () => {
  it.each([
    [['-f', 'a', '-f', 'b']],
    [['--filename', 'a', '--filename', 'b']],
    [['--filename=a', '-fb']],
    [['-f=a', 'b']],
    [['-Rfa', '-f', 'b']],
  ])('should read the same files from %j as kubectl does', (args) => {
    const parsed = parseArgs(FLAGS, args);
    expect([...parsed.values('filename'), ...parsed.positional]).toEqual(['a', 'b']);
  });

  it('should keep the last value of a single-valued flag, its default, switches and --', () => {
    const parsed = parseArgs(FLAGS, ['-o', 'table', '--output=json', '-R', 'x', '--', '-f', '--output']);
    expect(parsed.value('output')).toBe('json');
    expect(parsed.enabled('recursive')).toBe(true);
    expect(parsed.positional).toEqual(['x', '-f', '--output']);
    expect(parseArgs(FLAGS, []).value('output')).toBe('table');
    expect(parseArgs(FLAGS, ['--recursive=false']).enabled('recursive')).toBe(false);
    expect(parseArgs(FLAGS, ['-']).positional).toEqual(['-']);
  });

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['-f'], "flag needs an argument: 'f' in -f"],
    [['--filename'], 'flag needs an argument: --filename'],
    [['-o', 'yaml'], 'invalid argument "yaml" for "-o": expected one of table|json'],
    [['--recursive=maybe'], 'invalid argument "maybe" for "--recursive": expected true or false'],
  ])('should refuse %j with a UsageError', (args, message) => {
    expect(() => parseArgs(FLAGS, args)).toThrow(new UsageError(message));
  });

  it('should see -h/--help anywhere before --', () => {
    expect(wantsHelp(['-f', 'a', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
  });

  it('should list every flag with its alias, value, choices and default', () => {
    expect(formatFlags(FLAGS).split('\n')).toEqual([
      '  -f, --filename FILENAME  a file (repeatable)',
      '  -R, --recursive          recurse',
      '  -o, --output FORMAT      format (one of table|json; default table)',
      '  -h, --help               print this help',
    ]);
  });
});
