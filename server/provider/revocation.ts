// Taking access back: every grant (with the tokens and codes it holds) and every browser session
// of an account, or every grant of a client. oidc-provider revokes a grant when asked about one;
// it has no notion of "everything this person holds", so the owner indexes of the records
// (records.ts) provide it.
//
// Tokens a client got without a grant (client credentials) are not listed anywhere: a removed
// client's such tokens are refused because their client is gone (see token-liveness.ts), and
// they expire within ACCESS_TOKEN_TTL.
import type { ProtectedRecords } from './records.ts';

export interface Revoked {
  grants: number;
  sessions: number;
}

export interface Revocation {
  /** Ends everything an account holds: its grants, their tokens, its sessions. */
  account(sub: string): Promise<Revoked>;
  /** Ends every grant of a client (and the tokens of each). */
  client(clientId: string): Promise<Revoked>;
  /** Ends one grant and every token and code of it. */
  grant(grantId: string): Promise<void>;
}

export function createRevocation(records: ProtectedRecords): Revocation {
  async function endGrant(grantId: string): Promise<void> {
    await records.revokeByGrantId(grantId);
    await records.destroy('Grant', grantId);
  }

  async function end(kind: 'account' | 'client', id: string): Promise<Revoked> {
    const owned = await records.owned(kind, id);
    let grants = 0;
    let sessions = 0;
    await Promise.all(
      owned.map(async ({ model, payload }) => {
        const recordId = String(payload.jti);
        if (model === 'Grant') {
          await endGrant(recordId);
          grants++;
        } else if (model === 'Session') {
          await records.destroy('Session', recordId);
          sessions++;
        }
      }),
    );
    return { grants, sessions };
  }
  return {
    account: (sub) => end('account', sub),
    client: (clientId) => end('client', clientId),
    grant: endGrant,
  };
}
