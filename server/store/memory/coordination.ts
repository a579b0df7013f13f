// Locks and pub/sub in one process.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Events, Locks } from '../types.ts';

export function memoryLocks(now: () => number): Locks {
  const held = new Map<string, { token: string; expiresAt: number }>();
  return {
    async acquire(name, ttlMs) {
      const lock = held.get(name);
      if (lock && lock.expiresAt > now()) return undefined;
      const token = randomUUID();
      held.set(name, { token, expiresAt: now() + ttlMs });
      return token;
    },
    async release(name, token) {
      if (held.get(name)?.token === token) held.delete(name);
    },
  };
}

/** An in-process bus; listeners are called asynchronously, as with Redis. */
export function memoryEvents(): Events {
  const bus = new EventEmitter();
  return {
    async publish(channel, message) {
      queueMicrotask(() => bus.emit(channel, message));
    },
    async subscribe(channel, listener) {
      bus.on(channel, listener);
      return async () => {
        bus.off(channel, listener);
      };
    },
  };
}
