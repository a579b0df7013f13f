// /admin/keys: the signing keyset's lifecycle. List, rotate (stage next keys; `now` makes them
// sign at once), revoke a compromised key, and rewrap every sealed secret under the first
// encryption key. Fields are picked one by one rather than spread, so a field later added to
// StoredKey (sealed or not) never leaks here.
import type { Router } from '@koa/router';
import { z } from 'zod';
import type { ClientRegistry } from '../clients/registry.ts';
import type { StoredKey, StoredKeyset } from '../keys/keyset.ts';
import type { Keystore } from '../keys/keystore.ts';
import type { KeyManager } from '../keys/manager.ts';
import { expiresAt, type RotationPolicy } from '../keys/rotation.ts';
import { readBody } from './body.ts';

export interface KeyView {
  kid: string;
  alg: string;
  state: string;
  createdAt: number;
  promotedAt: number | null;
  retiredAt: number | null;
  /** When a previous key stops being published. */
  expiresAt: number | null;
}

export function toKeyView(key: StoredKey, policy: RotationPolicy): KeyView {
  return {
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    createdAt: key.createdAt,
    promotedAt: key.promotedAt ?? null,
    retiredAt: key.retiredAt ?? null,
    expiresAt: expiresAt(key, policy) ?? null,
  };
}

const RotateBody = z.strictObject({ now: z.boolean().optional() });
const RevokeBody = z.strictObject({ kid: z.string().min(1).max(200) });

export function keyRoutes(router: Router, keystore: Keystore, keys: KeyManager, clients: ClientRegistry): void {
  const view = (keyset: StoredKeyset | undefined) => ({
    version: keyset?.version ?? 0,
    keys: keyset ? keyset.keys.map((key) => toKeyView(key, keys.policy)) : [],
  });

  router.get('/keys', async (ctx) => {
    ctx.body = view(await keystore.read());
  });
  router.post('/keys/rotate', async (ctx) => {
    const { now } = readBody(ctx, RotateBody);
    ctx.body = view(await keys.rotate({ now: now ?? false }));
  });
  router.post('/keys/revoke', async (ctx) => {
    const { kid } = readBody(ctx, RevokeBody);
    ctx.body = view(await keys.revoke(kid));
  });
  router.post('/keys/rewrap', async (ctx) => {
    readBody(ctx, RotateBody.omit({ now: true }));
    const keyset = await keys.rewrap();
    ctx.body = { ...view(keyset), clientsRewrapped: await clients.rewrap() };
  });
}
