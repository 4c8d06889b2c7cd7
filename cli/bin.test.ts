import { describe, expect, it } from '@jest/globals';

import { main } from './bin.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

const COMMANDS = ['convert', 'simulate', 'disrupt', 'disruption', 'status', 'setup-temporal'];
const READS_MANIFESTS = new Set(['convert', 'simulate']);

describe('karpenter-temporal', () => {
  it('should list every command on --help, -h and help, with exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const { code, stdout, stderr } = await run(argv);
      expect({ argv, code, stderr }).toEqual({ argv, code: 0, stderr: '' });
      for (const command of COMMANDS) expect(stdout).toContain(`  ${command} `);
    }
  });

  it.each(COMMANDS)('should print the usage of %s for --help, -h and help <command>, with exit 0', async (command) => {
    const help = await run([command, '--help']);
    expect(help).toEqual({ code: 0, stdout: expect.stringContaining(`karpenter-temporal ${command} `), stderr: '' });
    expect(help.stdout).toContain('-h, --help');
    expect(await run([command, '-h'])).toEqual(help);
    expect(await run(['help', command])).toEqual(help);
    // Help wins over everything else on the line, even flags the command does not know.
    expect(await run([command, '--bogus', '--help'])).toEqual(help);
    if (READS_MANIFESTS.has(command)) {
      expect(help.stdout).toContain('-f, --filename FILENAME');
      expect(help.stdout).toContain('-R, --recursive');
    } else {
      expect(help.stdout).toContain('--address HOST:PORT');
      expect(help.stdout).not.toContain('--filename');
    }
  });

  it.each([
    [['frobnicate'], 'error: unknown command "frobnicate" for "karpenter-temporal"', "see 'karpenter-temporal --help'"],
    [[], 'error: missing command', "see 'karpenter-temporal --help'"],
    [['help', 'frobnicate'], 'error: unknown command "frobnicate"', "see 'karpenter-temporal --help'"],
    [['status', '--bogus'], 'error: unknown flag: --bogus', "see 'karpenter-temporal status --help'"],
    [['status', 'a', 'b'], 'error: one NodeClaim at a time; unexpected b', "see 'karpenter-temporal status --help'"],
    [['disrupt', 'nc-1'], 'error: --reason is required', "see 'karpenter-temporal disrupt --help'"],
    [['disrupt', '--reason', 'x'], 'error: missing the NodeClaim name', "see 'karpenter-temporal disrupt --help'"],
    [
      ['disrupt', 'nc-1', '--reason'],
      'error: flag needs an argument: --reason',
      "see 'karpenter-temporal disrupt --help'",
    ],
    [
      ['disruption', 'dry-run', 'maybe', '--cluster', 'c'],
      'error: dry-run takes on or off',
      "see 'karpenter-temporal disruption --help'",
    ],
    [
      ['disruption', 'stop', '--cluster', 'c'],
      'error: unknown action "stop"',
      "see 'karpenter-temporal disruption --help'",
    ],
    [['setup-temporal', 'extra'], 'error: unexpected extra', "see 'karpenter-temporal setup-temporal --help'"],
    [['convert', '-o'], 'error: flag needs an argument', "see 'karpenter-temporal convert --help'"],
  ])('should exit 2 with one line and a hint for %j', async (argv, message, hint) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const [first, second, ...more] = stderr.trimEnd().split('\n');
    expect(first).toContain(message);
    expect(second).toBe(hint);
    expect(more).toEqual([]);
  });

  it('should exit 1 with the address when Temporal cannot be reached', async () => {
    // Port 1 on localhost refuses at once; nothing listens there.
    const { code, stdout, stderr } = await run(['status', '--address', '127.0.0.1:1', '--namespace', 'default']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: cannot connect to Temporal at 127\.0\.0\.1:1 \(namespace default\): /);
  });
});
