/** The chaos run's knobs, from `npm run chaos -- --seed N --faults K --pods P [...]`. */
export interface ChaosOptions {
  seed: number;
  /** Faults in all; about 1 in 26 of each kind other than worker kills (at least one each), the rest kills. */
  faults: number;
  /** Most pods the workload runs at once. */
  pods: number;
  /** Faults per round; each round ends with a wait for convergence and an invariant check. */
  perRound: number;
  /** Seconds over which a round's faults and workload actions are spread. */
  windowSeconds: number;
  /** Seconds a round may take to converge once its faults stopped. */
  convergeSeconds: number;
  /** Workflow histories replayed on the current code at the end. */
  replaySample: number;
  /** Print the result as JSON on the last line too (for the integration test). */
  json: boolean;
}

export function parseOptions(argv: string[]): ChaosOptions {
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, got ${argv[i + 1]}`);
    return n;
  };
  const options: ChaosOptions = {
    seed: value('seed', 1),
    faults: value('faults', 14),
    pods: value('pods', 8),
    perRound: value('per-round', 7),
    windowSeconds: value('window', 30),
    convergeSeconds: value('converge', 300),
    replaySample: value('replay-sample', 10),
    json: argv.includes('--json'),
  };
  if (options.faults < 7) throw new Error('--faults must be at least 7: one of each kind plus a worker kill');
  if (options.pods < 4) throw new Error('--pods must be at least 4 (the PDB-guarded deployment runs 3)');
  if (options.perRound < 1) throw new Error('--per-round must be at least 1');
  return options;
}

export function commandLine(o: ChaosOptions): string {
  return (
    `npm run chaos -- --seed ${o.seed} --faults ${o.faults} --pods ${o.pods} --per-round ${o.perRound} ` +
    `--window ${o.windowSeconds} --converge ${o.convergeSeconds} --replay-sample ${o.replaySample}`
  );
}
