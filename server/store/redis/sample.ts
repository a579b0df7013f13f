// Estimates how many records of a model are listed under an owner (signed-in Sessions) by
// drawing random keys from each master (RANDOMKEY, pipelined) next to its DBSIZE: a scrape-time
// read that costs nothing on the request path. Records are named by HMAC, so the model prefix of
// the key (schema.ts: P<Model>:{<name>}) is what tells a record's model; whether it is listed
// under an owner is its `ownerIndexes` field, asked of the drawn records only (HEXISTS).
import type { Cluster, Redis } from 'ioredis';
import { estimateCount, type NodeSample } from '../estimate.ts';
import type { KeySchema } from './schema.ts';

/** Keys drawn per master: the estimate's relative error is about 1/sqrt(hits). */
export const DRAWS_PER_MASTER = 1000;

/** The masters holding the key space: every master of a Cluster, else the one server. */
function masters(client: Redis | Cluster): Redis[] {
  return 'nodes' in client && typeof client.nodes === 'function' ? (client as Cluster).nodes('master') : [client as Redis];
}

/** One master's sample: a pipeline of draws and DBSIZE, then one of HEXISTS for the records of
 * the model among them. */
async function sampleNode(node: Redis, recordPrefix: string, draws: number): Promise<NodeSample> {
  const drawing = node.pipeline();
  for (let i = 0; i < draws; i++) drawing.randomkey();
  drawing.dbsize();
  const replies = (await drawing.exec()) ?? [];
  const failed = replies.find(([error]) => error);
  if (failed) throw failed[0]!;
  const keys = Number(replies.at(-1)![1]);
  const drawn = replies.slice(0, -1).map(([, key]) => key as string | null).filter((key): key is string => key !== null);
  const candidates = drawn.filter((key) => key.startsWith(recordPrefix));
  let hits = 0;
  if (candidates.length) {
    const asking = node.pipeline();
    for (const key of candidates) asking.hexists(key, 'ownerIndexes');
    // A key that moved to another master meanwhile (a Cluster resharding) answers an error: not
    // counted, as if not drawn.
    for (const [error, owned] of (await asking.exec()) ?? []) if (!error && owned === 1) hits++;
  }
  return { keys, drawn: drawn.length, hits };
}

export async function estimateOwned(client: Redis | Cluster, keys: KeySchema, model: string, draws = DRAWS_PER_MASTER): Promise<number> {
  const samples = await Promise.all(masters(client).map((node) => sampleNode(node, keys.recordPrefix(model), draws)));
  return estimateCount(samples);
}
