/** What machine a benchmark ran on, and how much CPU time the hypervisor took while it ran. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine, as recorded with the results. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  execPath: string;
  kernel: string;
}

/** Describes this machine and the Node running the benchmark. */
export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // Not Linux: os.cpus() is all there is.
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    execPath: process.execPath,
    kernel: `${os.type()} ${os.release()}`,
  };
}

/** Aggregate CPU tick counters from /proc/stat (zeros where unavailable). */
export interface CpuTicks {
  total: number;
  idle: number;
  steal: number;
}

/** Reads the machine-wide CPU counters. */
export function cpuTicks(): CpuTicks {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, idle: f[3] + f[4], steal: f[7] ?? 0 };
  } catch {
    return { total: 0, idle: 0, steal: 0 };
  }
}

/** Busy and stolen shares of all CPUs' time between two readings, in percent. */
export function cpuShares(from: CpuTicks, to: CpuTicks): { busyPct: number; stealPct: number } {
  const total = to.total - from.total;
  if (total <= 0) return { busyPct: 0, stealPct: 0 };
  const pct = (n: number) => Math.round((n / total) * 1000) / 10;
  return { busyPct: pct(total - (to.idle - from.idle) - (to.steal - from.steal)), stealPct: pct(to.steal - from.steal) };
}

/** CPU time (user + system) a process has used so far, in milliseconds; undefined where /proc is not readable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
