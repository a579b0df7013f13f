// REDIS_WAIT_REPLICAS: a consumed code or refresh token is a write that must not be lost at a
// failover (asynchronous replication can lose the last acknowledged writes, which would let the
// code or token be redeemed again). With it, each consume is followed by WAIT on the same
// connection, so the answer waits until that many replicas have the mark, or the timeout.
//
// WAIT blocks the connection it is sent on until then, so consumes get a connection of their own
// (a duplicate of the store's: a second connection, or a second set of Cluster connections):
// the store's other commands never queue behind a WAIT. On a Cluster the consume and its WAIT go
// in one pipeline, which ioredis sends to the node that owns the key.
//
// When the replicas do not confirm in time the consume stands and the request goes on: failing
// it would cost the client its code or refresh token (already consumed on the master, and a
// retry of a consumed refresh token revokes the grant). It is logged, at most every 10 s.
import type { Cluster, Redis } from 'ioredis';
import type { LuaScript } from './lua.ts';

export interface WaitReplicas {
  replicas: number;
  timeoutMs: number;
}

export interface ReplicatedConsume {
  consume(key: string, args: (string | number)[]): Promise<number>;
  close(): void;
}

const WARN_EVERY_MS = 10_000;

/** `connection`: the consumes' own, connected (a duplicate of the store's client). */
export function replicatedConsume(
  connection: Redis | Cluster,
  script: LuaScript<number>,
  { replicas, timeoutMs }: WaitReplicas,
  onShortfall: (error: Error) => void,
): ReplicatedConsume {
  let warnedAt = 0;

  async function send(key: string, args: (string | number)[], whole: boolean): Promise<[number, number]> {
    const pipeline = connection.pipeline();
    if (whole) pipeline.eval(script.lua, 1, key, ...args);
    else pipeline.evalsha(script.sha, 1, key, ...args);
    pipeline.call('WAIT', String(replicas), String(timeoutMs));
    const [[consumeError, consumed], [waitError, acked]] = (await pipeline.exec()) as [[Error | null, unknown], [Error | null, unknown]];
    if (consumeError) throw consumeError;
    if (waitError) throw waitError;
    return [Number(consumed), Number(acked)];
  }

  return {
    async consume(key, args) {
      let result: [number, number];
      try {
        result = await send(key, args, false);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        result = await send(key, args, true);
      }
      const [consumed, acked] = result;
      if (acked < replicas && Date.now() - warnedAt > WARN_EVERY_MS) {
        warnedAt = Date.now();
        onShortfall(new Error(`REDIS_WAIT_REPLICAS: a consume reached ${acked} of ${replicas} replicas within ${timeoutMs} ms; a failover now could reopen it for replay`));
      }
      return consumed;
    },
    close() {
      connection.disconnect();
    },
  };
}
