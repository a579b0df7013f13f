// Experiment, not a fix: forces a full GC every 20 s in Latchkey and appends the heap and RSS to
// /tmp/latchkey-heap.log, to tell a JavaScript leak (heapUsed after GC grows) from native memory
// growth (only RSS grows) during a soak.
//   npm run bench -- --scenario soak --target latchkey --latchkey-import bench/experiments/heap-log.ts
import { appendFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const started = Date.now();
setInterval(() => {
  gc();
  const m = process.memoryUsage();
  const mb = (n: number) => `${(n / 1e6).toFixed(1)}MB`;
  appendFileSync('/tmp/latchkey-heap.log', `${((Date.now() - started) / 1000).toFixed(0)}s heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} rss=${mb(m.rss)}\n`);
}, 20_000).unref();
