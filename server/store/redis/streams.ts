// Append-only logs in Redis Streams: one stream key each (one slot on a Cluster). A batch of
// entries is one script (scripts.ts streamAppend): an XADD per entry and one XTRIM by age, in one
// command, so a batch of hundreds of audit events costs the server one command's CPU, not one per
// event. XADD trims by count (MAXLEN), XTRIM by age (MINID), both exactly: each
// append evicts about as many entries as it adds, from the head of the stream, which is cheap;
// the approximate forms (~) would let the bounds be exceeded by up to a node (100 entries).
import type { Cluster, Redis } from 'ioredis';
import type { StreamEntry, StreamGroup, Streams } from '../types.ts';
import type { KeySchema } from './schema.ts';
import { SINGLE_KEY } from './scripts.ts';

const entries = (raw: [string, string[]][]): StreamEntry[] => raw.map(([id, fields]) => ({ id, value: fields[1] ?? '' }));

export function redisStreams(client: Redis | Cluster, keys: KeySchema): Streams {
  return {
    async append(stream, values, { maxEntries, maxAgeMs }) {
      if (values.length === 0) return [];
      return SINGLE_KEY.streamAppend(client, [keys.stream(stream)], [maxEntries, Date.now() - maxAgeMs, ...values]);
    },
    async newest(stream, { since, until, before, limit }) {
      const end = before !== undefined ? `(${before}` : until !== undefined ? String(until) : '+';
      const start = since !== undefined ? String(since) : '-';
      const raw = (await client.xrevrange(keys.stream(stream), end, start, 'COUNT', limit)) as [string, string[]][];
      return entries(until !== undefined && before !== undefined ? raw.filter(([id]) => Number(id.split('-')[0]) <= until) : raw);
    },
    async after(stream, after, limit) {
      return entries((await client.xrange(keys.stream(stream), `(${after}`, '+', 'COUNT', limit)) as [string, string[]][]);
    },
    length: (stream) => client.xlen(keys.stream(stream)),
    async group(stream, group) {
      const key = keys.stream(stream);
      try {
        await client.xgroup('CREATE', key, group, '$', 'MKSTREAM');
      } catch (err) {
        if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
      }
      const handle: StreamGroup = {
        async read(consumer, count) {
          // Never BLOCK: the connection is shared, auto-pipelined; the caller polls.
          const raw = (await client.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', key, '>')) as [string, [string, string[]][]][] | null;
          return entries(raw?.[0]?.[1] ?? []);
        },
        async claim(consumer, minIdleMs, count) {
          // Entries trimmed away while pending come back as deleted ids: gone, nothing to deliver.
          const [, claimed] = (await client.xautoclaim(key, group, consumer, minIdleMs, '0-0', 'COUNT', count)) as [string, [string, string[] | null][]];
          return entries(claimed.filter((c): c is [string, string[]] => Array.isArray(c[1])));
        },
        async ack(ids) {
          if (ids.length) await client.xack(key, group, ...ids);
        },
      };
      return handle;
    },
  };
}
