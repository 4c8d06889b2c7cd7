/**
 * `karpenter-temporal <command>`: a table of subcommands, each loaded on demand so one command's dependencies do
 * not slow the others. Add a command by adding a row.
 */
import { realpathSync } from 'node:fs';
import { argv, exit, stderr, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

type Command = (args: readonly string[], io: CommandIo) => number | Promise<number>;

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
    summary: 'turn a v1alpha5 Provisioner (+ karpenter ConfigMap) into a v1 NodePool and EC2NodeClass',
    load: () => import('./convert.js').then((module) => module.runConvert),
  },
  simulate: {
    summary: 'plan the NodeClaims Karpenter would launch for these manifests',
    load: () => import('./simulate.js').then((module) => module.runSimulate),
  },
};

function usage(): string {
  const rows = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(14)} ${summary}`);
  return `usage: karpenter-temporal <command> [args]\n\ncommands:\n${rows.join('\n')}\n`;
}

/** Runs one command line (without the program name); returns the exit code. */
export async function main(args: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help') {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr(`unknown command ${name}\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest, io);
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
