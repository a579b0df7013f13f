// Append-only logs in process, named and trimmed like Redis Streams (ids `<ms>-<seq>`).
import type { StreamEntry, StreamGroup, Streams } from '../types.ts';

interface Stored extends StreamEntry {
  ms: number;
  seq: number;
}

export interface MemoryStreams extends Streams {
  /** Streams holding entries (each one key in Redis). */
  size(): number;
}

const parse = (id: string): [number, number] => {
  const [ms, seq] = id.split('-');
  return [Number(ms), Number(seq ?? 0)];
};
const before = (a: Stored, [ms, seq]: [number, number]) => a.ms < ms || (a.ms === ms && a.seq < seq);
const afterId = (a: Stored, [ms, seq]: [number, number]) => a.ms > ms || (a.ms === ms && a.seq > seq);

interface Group {
  /** The last entry given out. */
  delivered: [number, number];
  /** Pending entries by id: with whom, since when. */
  pending: Map<string, { consumer: string; since: number }>;
}

export function memoryStreams(now: () => number): MemoryStreams {
  const streams = new Map<string, Stored[]>();
  const groups = new Map<string, Group>();
  let last = { ms: 0, seq: 0 };

  return {
    async append(stream, values, { maxEntries, maxAgeMs }) {
      const entries = streams.get(stream) ?? [];
      const ids = values.map((value) => {
        const ms = Math.max(now(), last.ms);
        last = { ms, seq: ms === last.ms ? last.seq + 1 : 0 };
        const entry = { id: `${ms}-${last.seq}`, value, ms, seq: last.seq };
        entries.push(entry);
        return entry.id;
      });
      // Entries are in id order, so what goes is a run at the head: cut it, never copy the rest
      // (a filter over a million entries at every batch made each append O(n)).
      const oldest = now() - maxAgeMs;
      let drop = Math.max(0, entries.length - maxEntries);
      while (drop < entries.length && entries[drop]!.ms < oldest) drop++;
      if (drop > 0) entries.splice(0, drop);
      if (entries.length) streams.set(stream, entries);
      else streams.delete(stream);
      return ids;
    },
    async newest(stream, { since, until, before: older, limit }) {
      const bound = older === undefined ? undefined : parse(older);
      const found: StreamEntry[] = [];
      const entries = streams.get(stream) ?? [];
      for (let i = entries.length - 1; i >= 0 && found.length < limit; i--) {
        const e = entries[i]!;
        if (until !== undefined && e.ms > until) continue;
        if (bound && !before(e, bound)) continue;
        if (since !== undefined && e.ms < since) break;
        found.push({ id: e.id, value: e.value });
      }
      return found;
    },
    async after(stream, after, limit) {
      const bound = parse(after);
      return (streams.get(stream) ?? [])
        .filter((e) => afterId(e, bound))
        .slice(0, limit)
        .map(({ id, value }) => ({ id, value }));
    },
    async length(stream) {
      return streams.get(stream)?.length ?? 0;
    },
    async group(stream, name) {
      const key = `${stream}\0${name}`;
      if (!groups.has(key)) groups.set(key, { delivered: [last.ms, last.seq], pending: new Map() });
      const g = groups.get(key)!;
      const live = () => streams.get(stream) ?? [];
      const handle: StreamGroup = {
        async read(consumer, count) {
          const fresh = live().filter((e) => afterId(e, g.delivered)).slice(0, count);
          for (const e of fresh) g.pending.set(e.id, { consumer, since: now() });
          if (fresh.length) g.delivered = [fresh.at(-1)!.ms, fresh.at(-1)!.seq];
          return fresh.map(({ id, value }) => ({ id, value }));
        },
        async claim(consumer, minIdleMs, count) {
          const byId = new Map(live().map((e) => [e.id, e]));
          const claimed: StreamEntry[] = [];
          for (const [id, held] of g.pending) {
            if (claimed.length >= count) break;
            if (now() - held.since < minIdleMs) continue;
            const entry = byId.get(id);
            if (!entry) {
              g.pending.delete(id);
              continue;
            }
            g.pending.set(id, { consumer, since: now() });
            claimed.push({ id, value: entry.value });
          }
          return claimed;
        },
        async ack(ids) {
          for (const id of ids) g.pending.delete(id);
        },
      };
      return handle;
    },
    size: () => streams.size,
  };
}
