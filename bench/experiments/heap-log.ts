// Experiment, not a fix: forces a full GC every 20 s in Latchkey and appends the heap, V8's
// spaces and where the process's resident memory lives (from /proc/self/smaps) to
// /tmp/latchkey-heap.log, to tell a JavaScript leak (heapUsed after GC grows) from V8 keeping
// pages (heapTotal grows) from native growth (malloc's [heap] or its thread arenas grow).
//   npm run bench -- --scenario soak --soak --target latchkey --latchkey-import bench/experiments/heap-log.ts
import { appendFileSync, readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const started = Date.now();
const mb = (n: number) => `${(n / 1e6).toFixed(1)}`;

/**
 * Resident bytes by kind of mapping: the brk heap, files (the executable, libraries), and anonymous
 * maps split by size: V8 takes its heap in pages of 256 KB, malloc's thread arenas and thread
 * stacks are megabytes.
 */
function residentByKind(): Record<string, number> {
  const out: Record<string, number> = {};
  let kind = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[3]!;
      const size = parseInt(header[2]!, 16) - parseInt(header[1]!, 16);
      kind = name === '' ? (size <= 1024 * 1024 ? 'anon<=1MB' : 'anon>1MB') : name.startsWith('[') ? name : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]) * 1024;
  }
  return out;
}

setInterval(() => {
  gc();
  const m = process.memoryUsage();
  const spaces = getHeapSpaceStatistics()
    .map((s) => `${s.space_name.replace('_space', '')}=${mb(s.space_size)}/${mb(s.space_used_size)}`)
    .join(' ');
  const kinds = Object.entries(residentByKind())
    .map(([k, v]) => `${k}=${mb(v)}`)
    .join(' ');
  appendFileSync(
    '/tmp/latchkey-heap.log',
    `${((Date.now() - started) / 1000).toFixed(0)}s rss=${mb(m.rss)} heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)} external=${mb(m.external)} | ${kinds} | ${spaces}\n`,
  );
}, 20_000).unref();
