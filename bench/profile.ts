// Summarises V8 CPU profiles (node --cpu-prof, as `npm run bench -- --profile` writes them):
// the functions with the most self time, and self time by where the code lives (Latchkey,
// each package in node_modules, Node internals, GC, idle).
//
//   node bench/profile.ts bench/results/profiles/<run>/latchkey-*.cpuprofile [--top 30] [--requests] [--inclusive]
//
// --requests leaves out everything before the first HTTP request (start-up: module loading and
// type stripping, which would otherwise dominate a short run). --inclusive adds
// the functions with the most total time (their own and their callees', each counted once).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string' }, requests: { type: 'boolean' }, inclusive: { type: 'boolean' } },
  allowPositionals: true,
});
const top = Number(values.top ?? 30);

function where(url: string, name: string): string {
  if (name === '(garbage collector)') return '(gc)';
  if (name === '(idle)' || name === '(program)') return name;
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:internals';
  const local = /\/(server|config|bench)\//.exec(url);
  if (local) return `latchkey ${local[1]}/`;
  return url;
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const idle = (id: number) => byId.get(id)!.callFrame.functionName === '(idle)';

  const handlesRequest = (id: number) => {
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      if (byId.get(n)!.callFrame.functionName === 'parserOnIncoming') return true;
    }
    return false;
  };
  const first = values.requests ? profile.samples.findIndex(handlesRequest) : 0;
  const kept = (i: number) => i >= first;

  const self = new Map<number, number>();
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (!kept(i)) return;
    const us = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + us);
    if (!values.inclusive || idle(id)) return;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) seen.add(label(byId.get(n)!.callFrame));
    for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  });
  const total = [...self.values()].reduce((s, v) => s + v, 0);
  const busy = total - [...self].filter(([id]) => idle(id)).reduce((s, [, v]) => s + v, 0);

  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url } = byId.get(id)!.callFrame;
    const key = label(byId.get(id)!.callFrame);
    functions.set(key, (functions.get(key) ?? 0) + us);
    const place = where(url, functionName);
    places.set(place, (places.get(place) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  process.stdout.write(`\n${file}\n  ${(total / 1e6).toFixed(1)} s sampled${values.requests ? ' from the first request' : ''}, ${(busy / 1e6).toFixed(1)} s busy (percentages are of busy time)\n\n  self time by place:\n`);
  for (const [place, us] of [...places].filter(([p]) => p !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    process.stdout.write(`  ${pct(us)}  ${place}\n`);
  }
  process.stdout.write(`\n  top ${top} functions by self time:\n`);
  for (const [fn, us] of [...functions].filter(([f]) => !f.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${pct(us)}  ${fn}\n`);
  }
  if (!values.inclusive) continue;
  process.stdout.write(`\n  top ${top} functions by total time:\n`);
  for (const [fn, us] of [...inclusive].filter(([f]) => !f.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${pct(us)}  ${fn}\n`);
  }
}

function label({ functionName, url, lineNumber }: CallFrame): string {
  const short = url.replace(/^file:\/\/.*?\/(node_modules|server|config|bench)\//, '$1/');
  return `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`;
}
