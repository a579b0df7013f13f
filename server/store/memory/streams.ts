// Append-only logs in process, named and trimmed like Redis Streams (ids `<ms>-<seq>`).
import type { StreamEntry, Streams } from '../types.ts';

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

export function memoryStreams(now: () => number): MemoryStreams {
  const streams = new Map<string, Stored[]>();
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
      const oldest = now() - maxAgeMs;
      const kept = entries.filter((e) => e.ms >= oldest).slice(-maxEntries);
      if (kept.length) streams.set(stream, kept);
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
    size: () => streams.size,
  };
}
