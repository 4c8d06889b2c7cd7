import { readFileSync } from 'node:fs';

/** A process's RSS now and at its peak (MiB) and its CPU seconds (user + system), from /proc (Linux). */
export function processStats(pid: number): { rssMiB: number; peakRssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return {
    rssMiB: Math.round(kib('VmRSS') / 1024),
    peakRssMiB: Math.round(kib('VmHWM') / 1024),
    cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100, // utime + stime, in clock ticks of 10 ms
  };
}
