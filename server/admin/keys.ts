// /admin/keys: the signing keyset's lifecycle, for `latchkey keys list`. Fields are picked one by
// one rather than spread, so a field later added to StoredKey (sealed or not) never leaks here.
import type { Router } from '@koa/router';
import type { StoredKey } from '../keys/keyset.ts';
import type { Keystore } from '../keys/keystore.ts';

export interface KeyView {
  kid: string;
  alg: string;
  state: string;
  createdAt: number;
  promotedAt: number | null;
  retiredAt: number | null;
}

export function toKeyView(key: StoredKey): KeyView {
  return {
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    createdAt: key.createdAt,
    promotedAt: key.promotedAt ?? null,
    retiredAt: key.retiredAt ?? null,
  };
}

export function keyRoutes(router: Router, keystore: Keystore): void {
  router.get('/keys', async (ctx) => {
    const keyset = await keystore.read();
    ctx.body = { keys: keyset ? keyset.keys.map(toKeyView) : [] };
  });
}
