// DPoP proofs must be fresh: one dated minutes ahead is refused; with DPOP_NONCE the server hands
// out nonces (RFC 9449 §8) and a proof without one is answered use_dpop_nonce, which a certified
// client retries with.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { startLatchkey, type Running } from '../support/latchkey.ts';
import { addClient, discover } from '../support/oidc.ts';

async function proof(url: string, iat: number, nonce?: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return new SignJWT({ htm: 'POST', htu: url, jti: randomUUID(), ...(nonce ? { nonce } : {}) })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
    .setIssuedAt(iat)
    .sign(privateKey);
}

describe('DPoP proof freshness', () => {
  const machine = { redirect_uris: [], response_types: [], grant_types: ['client_credentials'] };
  const grant = (running: Running, client: { clientId: string; secret?: string }, dpop: string) =>
    fetch(`${running.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`, dpop },
      body: 'grant_type=client_credentials',
    }).then(async (r) => ({ status: r.status, nonce: r.headers.get('dpop-nonce'), body: (await r.json()) as Record<string, unknown> }));

  describe('without server nonces', () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey();
    });
    after(() => running.stop());

    it('refuses a proof dated minutes ahead, and takes one dated now', async () => {
      const client = await addClient(running, machine);
      const now = Math.floor(Date.now() / 1000);
      const ahead = await grant(running, client, await proof(`${running.url}/token`, now + 240));
      expect(ahead.status).to.equal(400);
      expect(ahead.body.error).to.equal('invalid_dpop_proof');
      const fresh = await grant(running, client, await proof(`${running.url}/token`, now));
      expect(fresh.status, JSON.stringify(fresh.body)).to.equal(200);
      expect(fresh.body.token_type).to.equal('DPoP');
    });
  });

  describe('with DPOP_NONCE', () => {
    let running: Running;
    before(async () => {
      running = await startLatchkey({ env: { DPOP_NONCE: 'true' } });
    });
    after(() => running.stop());

    it('answers a proof without a nonce with use_dpop_nonce and a nonce, and takes the proof that carries it', async () => {
      const client = await addClient(running, machine);
      const now = Math.floor(Date.now() / 1000);
      const first = await grant(running, client, await proof(`${running.url}/token`, now));
      expect(first.status).to.equal(400);
      expect(first.body.error).to.equal('use_dpop_nonce');
      expect(first.nonce).to.be.a('string');
      const second = await grant(running, client, await proof(`${running.url}/token`, now, first.nonce!));
      expect(second.status, JSON.stringify(second.body)).to.equal(200);
    });

    it('lets a certified client (openid-client) retry with the nonce by itself', async () => {
      const client = await addClient(running, machine);
      const config = await discover(running, client.clientId, client.secret);
      const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
      const tokens = await oidc.clientCredentialsGrant(config, {}, { DPoP }).catch(async (error: unknown) => {
        // openid-client surfaces the first use_dpop_nonce and keeps the nonce for the retry.
        if (!(error instanceof oidc.ResponseBodyError) || error.error !== 'use_dpop_nonce') throw error;
        return oidc.clientCredentialsGrant(config, {}, { DPoP });
      });
      expect(tokens.token_type.toLowerCase()).to.equal('dpop');
    });
  });
});
