// CPU used by the parts of the local stack during a load run, read from /proc: which part
// saturates as shoppers are added (Medusa, PostgreSQL, the Worker, Redis), measured rather
// than guessed. Linux only (the development machines and CI are Debian).
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export type CpuGroups = Record<string, () => number[]>;
export type CpuSnapshot = { at: number; ticks: Record<string, number>; machine: { busy: number; total: number } };
/** Cores used on average over the interval (1.0 = one core busy the whole time). */
export type CpuUsage = { cores: Record<string, number>; machine_cores_busy: number; machine_cores: number };

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after "state".
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const [cpu = ""] = readFileSync("/proc/stat", "utf8").split("\n");
  const values = cpu.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

/** Every process whose command name is `comm` (e.g. "postgres", "redis-server"). */
export function processesNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === comm) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

export function cpuSnapshot(groups: CpuGroups): CpuSnapshot {
  const ticks: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups)) ticks[name] = pids().reduce((sum, pid) => sum + processTicks(pid), 0);
  return { at: performance.now(), ticks, machine: machineTicks() };
}

/**
 * Cores used between two snapshots. A process that ended in between is missing from the
 * second (its ticks are lost): the figure is a lower bound for such a group.
 */
export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot, cores = navigatorCores()): CpuUsage {
  const seconds = (after.at - before.at) / 1000;
  const usage: Record<string, number> = {};
  for (const name of Object.keys(after.ticks)) {
    usage[name] = Math.round((Math.max(0, after.ticks[name]! - (before.ticks[name] ?? 0)) / TICKS_PER_SECOND / seconds) * 100) / 100;
  }
  const total = after.machine.total - before.machine.total;
  const busyShare = total > 0 ? (after.machine.busy - before.machine.busy) / total : 0;
  return { cores: usage, machine_cores_busy: Math.round(busyShare * cores * 100) / 100, machine_cores: cores };
}

function navigatorCores(): number {
  return readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((line) => line.startsWith("processor")).length || 1;
}
