// Pub/sub between instances. A subscribed ioredis connection can do nothing else, so subscribers
// get their own, created on first use; it reconnects and resubscribes by itself.
import type { Cluster, Redis } from 'ioredis';
import type { Events } from '../types.ts';
import type { KeySchema } from './schema.ts';

export interface RedisEvents extends Events {
  close(): Promise<void>;
}

export function redisEvents(client: Redis | Cluster, keys: KeySchema, onError?: (error: Error) => void): RedisEvents {
  let subscriber: Promise<Redis | Cluster> | undefined;
  const listeners = new Map<string, Set<(message: string) => void>>();

  async function openSubscriber(): Promise<Redis | Cluster> {
    const sub = (client as Redis).duplicate() as Redis | Cluster;
    if (onError) sub.on('error', onError);
    sub.on('message', (channel: string, message: string) => {
      for (const listener of listeners.get(channel) ?? []) listener(message);
    });
    await sub.connect();
    return sub;
  }

  return {
    async publish(name, message) {
      await client.publish(keys.channel(name), message);
    },
    async subscribe(name, listener) {
      const sub = await (subscriber ??= openSubscriber());
      const channel = keys.channel(name);
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      if (set.size === 1) await sub.subscribe(channel);
      return async () => {
        set.delete(listener);
        if (set.size === 0 && sub.status === 'ready') await sub.unsubscribe(channel);
      };
    },
    async close() {
      if (subscriber) (await subscriber.catch(() => undefined))?.disconnect();
    },
  };
}
