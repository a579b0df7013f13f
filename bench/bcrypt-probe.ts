// Measures bcrypt on this machine, the way the servers use it (bcrypt's async API, on libuv's
// thread pool), so login throughput can be compared with what bcrypt alone allows. Run pinned
// to the servers' CPU. Prints JSON: { cost, compareMs (one at a time), comparesPerSecond (the
// pool kept busy) }.
import bcrypt from 'bcrypt';

const cost = Number(process.argv[2] ?? 12);
const samples = Number(process.argv[3] ?? 8);
const hash = await bcrypt.hash('bench password', cost);

const times: number[] = [];
for (let i = 0; i < samples; i++) {
  const started = performance.now();
  await bcrypt.compare('bench password', hash);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);

const parallel = samples * 2;
const started = performance.now();
await Promise.all(Array.from({ length: parallel }, () => bcrypt.compare('bench password', hash)));
const seconds = (performance.now() - started) / 1000;

process.stdout.write(JSON.stringify({ cost, compareMs: times[Math.floor(times.length / 2)], comparesPerSecond: parallel / seconds }) + '\n');
