// What Redis did between two moments, from its own counters: INFO commandstats (calls and
// microseconds per command), INFO stats (bytes in and out), used_memory, and the CPU time of the
// redis-server process (/proc: its event loop, parsing and networking, which commandstats leaves
// out). And which keys the commands touch (MONITOR, briefly): a key that every request touches is
// one shard's, whatever the number of shards.
import { once } from 'node:events';
import { connect } from 'node:net';
import { cpuTicks, type BenchRedis } from './servers.ts';

export interface RedisSnapshot {
  at: number;
  commands: Record<string, { calls: number; usec: number }>;
  netInBytes: number;
  netOutBytes: number;
  usedMemory: number;
  cpuTicks: number;
}

/** Commands the runner itself sends to read the figures: left out of every delta. */
const OURS = new Set(['info', 'memory', 'scan', 'monitor', 'ping', 'config', 'dbsize', 'client', 'select']);

export async function snapshot(redis: BenchRedis): Promise<RedisSnapshot> {
  const [commandstats, stats, memory] = await Promise.all(['commandstats', 'stats', 'memory'].map((s) => redis.client.info(s)));
  const commands: RedisSnapshot['commands'] = {};
  for (const m of commandstats!.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) commands[m[1]!] = { calls: Number(m[2]), usec: Number(m[3]) };
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    at: performance.now(),
    commands,
    netInBytes: field(stats!, 'total_net_input_bytes'),
    netOutBytes: field(stats!, 'total_net_output_bytes'),
    usedMemory: field(memory!, 'used_memory'),
    cpuTicks: cpuTicks(redis.pid) ?? 0,
  };
}

export interface RedisDelta {
  seconds: number;
  commands: Record<string, { calls: number; usec: number }>;
  calls: number;
  usec: number;
  netInBytes: number;
  netOutBytes: number;
  usedMemory: number;
  /** CPU seconds of redis-server. */
  cpuSeconds: number;
}

export function delta(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const commands: RedisDelta['commands'] = {};
  for (const [name, now] of Object.entries(after.commands)) {
    if (OURS.has(name)) continue;
    const was = before.commands[name] ?? { calls: 0, usec: 0 };
    if (now.calls > was.calls) commands[name] = { calls: now.calls - was.calls, usec: now.usec - was.usec };
  }
  const values = Object.values(commands);
  return {
    seconds: (after.at - before.at) / 1000,
    commands,
    calls: values.reduce((s, c) => s + c.calls, 0),
    usec: values.reduce((s, c) => s + c.usec, 0),
    netInBytes: after.netInBytes - before.netInBytes,
    netOutBytes: after.netOutBytes - before.netOutBytes,
    usedMemory: after.usedMemory - before.usedMemory,
    cpuSeconds: (after.cpuTicks - before.cpuTicks) / 100,
  };
}

/** `d` less `background` (per second, from an idle window) over d's duration. */
export function lessBackground(d: RedisDelta, background: RedisDelta): RedisDelta {
  const k = background.seconds ? d.seconds / background.seconds : 0;
  const commands: RedisDelta['commands'] = {};
  for (const [name, c] of Object.entries(d.commands)) {
    const b = background.commands[name] ?? { calls: 0, usec: 0 };
    const calls = Math.max(0, c.calls - b.calls * k);
    if (calls >= 0.5) commands[name] = { calls, usec: Math.max(0, c.usec - b.usec * k) };
  }
  const values = Object.values(commands);
  return {
    ...d,
    commands,
    calls: values.reduce((s, c) => s + c.calls, 0),
    usec: values.reduce((s, c) => s + c.usec, 0),
    netInBytes: Math.max(0, d.netInBytes - background.netInBytes * k),
    netOutBytes: Math.max(0, d.netOutBytes - background.netOutBytes * k),
    cpuSeconds: Math.max(0, d.cpuSeconds - background.cpuSeconds * k),
  };
}

/** Keys named by a command (EVAL/EVALSHA: numkeys; FCALL too; else the first argument). */
function keysOf(args: string[]): string[] {
  const name = args[0]?.toLowerCase();
  if (name === 'eval' || name === 'evalsha' || name === 'fcall') return args.slice(3, 3 + Number(args[2] ?? 0));
  if (name === 'mget' || name === 'del' || name === 'exists' || name === 'unlink') return args.slice(1);
  return args[1] !== undefined && !OURS.has(name ?? '') ? [args[1]] : [];
}

export interface HotKeys {
  commands: number;
  /** The keys most often touched, with their share of the sampled commands. */
  top: { key: string; share: number }[];
}

/** MONITOR for `ms` (on a plain socket of its own): which keys the sampled commands touched, hottest first. */
export async function hotKeys(url: string, ms: number, prefix: string): Promise<HotKeys> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const counts = new Map<string, number>();
  let commands = 0;
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\r\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      // +1700000000.123456 [0 127.0.0.1:5000] "EVALSHA" "…" "1" "key" …
      const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
      const keys = keysOf(args).filter((k) => k.startsWith(prefix));
      if (!keys.length) continue;
      commands++;
      for (const key of new Set(keys)) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write('MONITOR\r\n');
  await new Promise((resolve) => setTimeout(resolve, ms));
  socket.destroy();
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([key, n]) => ({ key: key.slice(prefix.length), share: commands ? n / commands : 0 }));
  return { commands, top };
}
