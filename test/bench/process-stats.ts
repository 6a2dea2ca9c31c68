import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { percentile } from './stats.ts';

const MB = 1024 * 1024;

/** A full garbage collection, so that RSS readings are not mostly garbage. */
export const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

export const rssMb = (): number => process.memoryUsage().rss / MB;

/** Median RSS (MB) over `seconds`, read every 200 ms after a full collection. */
export async function settledRssMb(seconds = 1.5): Promise<number> {
  collectGarbage();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    samples.push(rssMb());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return percentile(samples, 50);
}

/** Process ids of this process's children (Linux `/proc/<pid>/task/<tid>/children`); [] elsewhere. */
export function childPids(): number[] {
  try {
    const tasks = readdirSync(`/proc/${process.pid}/task`);
    return tasks.flatMap((tid) =>
      readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8')
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** Resident memory of the given processes together, in MB (Linux; processes gone count 0). */
export function processesRssMb(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return kb / 1024;
}

/** CPU seconds the given processes have used so far (Linux `/proc/<pid>/stat`, 100 ticks a second). */
export function processesCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name: state is field 3, utime 14 and stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return ticks / 100;
}

/** CPU use between `start()` and `stop()`: this process (in cores) and the whole machine (busy share). */
export function cpuMeter(): {
  stop: () => { processCores: number; machineBusy: number; machineCores: number };
} {
  const wallStart = performance.now();
  const processStart = process.cpuUsage();
  const machineStart = machineTimes();
  return {
    stop: () => {
      const wallMs = performance.now() - wallStart;
      const used = process.cpuUsage(processStart);
      const machine = machineTimes();
      const total = machine.total - machineStart.total;
      return {
        processCores: (used.user + used.system) / 1000 / wallMs,
        machineBusy: total > 0 ? (machine.busy - machineStart.busy) / total : Number.NaN,
        /** Cores busy on the whole machine (this process, its children and everything else). */
        machineCores:
          total > 0 ? ((machine.busy - machineStart.busy) / total) * os.cpus().length : Number.NaN,
      };
    },
  };
}

function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}
