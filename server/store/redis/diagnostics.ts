// What the doctor checks of Redis itself: persistence (AOF and its fsync, RDB), the eviction
// policy, its clock and version. On a Cluster, of one master (they are configured alike, or the
// doctor's advice applies to each). CONFIG may be renamed or forbidden: then what INFO tells.
import type { Cluster, Redis } from 'ioredis';
import type { StoreDiagnostics } from '../types.ts';

const field = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

export async function redisDiagnostics(client: Redis | Cluster): Promise<StoreDiagnostics> {
  const node: Redis = 'nodes' in client && typeof client.nodes === 'function' ? ((client as Cluster).nodes('master')[0] ?? (client as unknown as Redis)) : (client as Redis);
  const [persistence, memory, server, time] = await Promise.all([node.info('persistence'), node.info('memory'), node.info('server'), node.time()]);
  const readAtMs = Date.now();
  const config = async (name: string) => {
    try {
      const answer = (await node.config('GET', name)) as string[];
      return answer[1];
    } catch {
      return undefined;
    }
  };
  const [appendfsync, save] = await Promise.all([config('appendfsync'), config('save')]);
  return {
    kind: 'redis',
    aof: field(persistence, 'aof_enabled') === '1',
    ...(appendfsync ? { appendfsync } : {}),
    ...(save !== undefined ? { rdb: save.trim() !== '' } : {}),
    ...(field(memory, 'maxmemory_policy') ? { maxmemoryPolicy: field(memory, 'maxmemory_policy') } : {}),
    serverTimeMs: Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000),
    readAtMs,
    ...(field(server, 'redis_version') ? { version: field(server, 'redis_version') } : {}),
  };
}
