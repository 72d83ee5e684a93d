/**
 * What a build measures of itself: the peak resident memory of all its processes together (sampled from /proc every
 * 100 ms), and the forced collections that keep the main process's heap from growing with the source count.
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

/** Resident memory of a process in KiB from /proc (0 where there is no /proc or the process is gone). */
function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** Samples the summed RSS of a set of processes every 100 ms. */
export class MemorySampler {
  private timer: NodeJS.Timeout;
  /** Highest sum seen, KiB. */
  peakKb = 0;
  constructor(private readonly pids: number[]) {
    this.timer = setInterval(() => { this.peakKb = Math.max(this.peakKb, this.pids.reduce((a, p) => a + rssKb(p), 0)); }, 100);
  }
  stop(): void { clearInterval(this.timer); }
}

/**
 * The build's peak RSS: with worker processes, of all processes together (sampled, never below this process's own
 * peak), bounded above by the sum of each process's own peak; worker threads share this process's RSS.
 */
export function peakMemory(pool: 'threads' | 'processes', sampledKb: number, workerPeaksKb: number[]): { peakKb: number; boundKb: number } {
  const own = process.resourceUsage().maxRSS;
  const boundKb = own + (pool === 'processes' ? workerPeaksKb.reduce((a, b) => a + b, 0) : 0);
  const peakKb = pool === 'processes' && sampledKb > 0 ? Math.max(sampledKb, own) : boundKb;
  return { peakKb, boundKb };
}

/**
 * A full garbage collection of this process, run after each planned batch and every 5 s while building: the planner
 * and the result messages make garbage in proportion to the source count, and V8 would otherwise let the heap (and
 * so the peak memory) grow with it. ~10 ms each.
 */
let gcFn: (() => void) | null = null;
export function collect(): void {
  if (!gcFn) { v8.setFlagsFromString('--expose-gc'); gcFn = vm.runInNewContext('gc') as () => void; }
  gcFn();
}
