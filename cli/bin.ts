/**
 * `karpenter-temporal <command>`: a table of subcommands, each loaded on demand so one command's dependencies do
 * not slow the others. Add a command by adding a row.
 */
import { realpathSync } from 'node:fs';
import { argv, exit, stderr, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

import { errorLines, helpHint, PROGRAM, type Command, type CommandIo } from './command.js';

export type { CommandIo } from './command.js';

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  disrupt: {
    summary: 'drain and terminate a node through its NodeClaim workflow (--reason R [--force])',
    load: () => import('./disrupt.js').then((module) => module.runDisrupt),
  },
  disruption: {
    summary: "the cluster's disruption loop: status (last pass, decisions, savings), pause, resume, dry-run on|off",
    load: () => import('./disruption.js').then((module) => module.runDisruption),
  },
  status: {
    summary: 'a table of NodeClaim workflows, or one NodeClaim in full',
    load: () => import('./status.js').then((module) => module.runStatus),
  },
  'setup-temporal': {
    summary: 'register the search attributes NodeClaim workflows set on a Temporal namespace (idempotent)',
    load: () => import('./setup-temporal.js').then((module) => module.runSetupTemporal),
  },
  convert: {
    summary: 'turn a v1alpha5 Provisioner (+ karpenter ConfigMap) into a v1 NodePool and EC2NodeClass (-f FILENAME)',
    load: () => import('./convert.js').then((module) => module.runConvert),
  },
  simulate: {
    summary: 'plan the NodeClaims Karpenter would launch for these manifests (-f FILENAME, -R)',
    load: () => import('./simulate.js').then((module) => module.runSimulate),
  },
};

function usage(): string {
  const rows = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(14)} ${summary}`);
  return (
    `usage: ${PROGRAM} <command> [flags]\n\ncommands:\n${rows.join('\n')}\n` +
    `  ${'help'.padEnd(14)} print the usage of a command: help <command>\n\n` +
    `'${PROGRAM} <command> --help' lists the flags of a command.\n` +
    'Exit codes: 0 success, 1 bad input or a failure, 2 a usage error.\n'
  );
}

/**
 * Runs one command line (without the program name); returns the exit code: 0 success, 1 bad input or a failure
 * (the message names the file, field or service), 2 a usage error (one line and a hint to --help).
 */
export async function main(args: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === '-h' || name === '--help' || (name === 'help' && rest.length === 0)) {
    io.stdout(usage());
    return 0;
  }
  if (name === 'help') {
    // `help <command>` is `<command> --help`.
    if (rest.length > 1) return usageError(io, `help takes one command, got ${rest.join(' ')}`);
    return run(rest[0] ?? '', ['--help'], io);
  }
  if (name === undefined) return usageError(io, 'missing command');
  return run(name, rest, io);
}

function usageError(io: CommandIo, message: string): number {
  io.stderr(`error: ${message}\n${helpHint()}\n`);
  return 2;
}

async function run(name: string, args: readonly string[], io: CommandIo): Promise<number> {
  const command = commands[name];
  if (command === undefined) return usageError(io, `unknown command "${name}" for "${PROGRAM}"`);
  try {
    return await (
      await command.load()
    )(args, io);
  } catch (error) {
    io.stderr(errorLines(error instanceof Error ? error.message : String(error)));
    return 1;
  }
}

const invokedDirectly = argv[1] !== undefined && realpathSync(argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  const io: CommandIo = { stdout: (text) => stdout.write(text), stderr: (text) => stderr.write(text) };
  main(argv.slice(2), io).then(
    (code) => exit(code),
    (error: unknown) => {
      io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
      exit(1);
    }
  );
}
