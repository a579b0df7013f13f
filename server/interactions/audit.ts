// The audit events of the sign-in and consent pages: a sign-in succeeded or failed (why, for
// operators only), consent granted or denied. The email typed is never recorded, only its hash.
import type { Context } from 'koa';
import type { AuditEvent } from '../audit/catalogue.ts';
import type { Auditor } from '../audit/context.ts';
import type { SignInOutcome } from '../accounts/users.ts';
import type { PasskeyFailure } from '../mfa/passkey-failures.ts';
import type { RiskVerdict } from './risk-check.ts';

export function interactionAudit(auditor: Auditor) {
  const base = (ctx: Context) => ({ version: 1 as const, ...auditor.envelope(ctx) });
  return {
    /** `email`: the login the attempt named (a passkey's: its account's email, or `passkey:<credential id>`). */
    signIn(ctx: Context, what: { outcome: SignInOutcome | 'throttled' | 'risk_denied' | 'passkey_rejected'; email: string; clientId: string; sub?: string; sessionUid?: string; amr?: string[]; risk?: RiskVerdict; emailCheck?: boolean; via?: 'passkey'; passkeyFailure?: PasskeyFailure }) {
      const risk = what.risk ? { risk: { score: what.risk.score, decision: what.risk.decision, reasons: what.risk.reasons.slice(0, 12) } } : {};
      if (what.outcome === 'succeeded' && what.sub) {
        auditor.record({
          type: 'signin.succeeded',
          ...base(ctx),
          actor: { kind: 'account', sub: what.sub },
          account: what.sub,
          client: what.clientId,
          ...(what.sessionUid ? { sessionIdHash: auditor.hashId('session', what.sessionUid) } : {}),
          amr: what.amr ?? ['pwd'],
          ...(what.emailCheck ? { emailCheck: true } : {}),
          ...risk,
        } as AuditEvent);
        return;
      }
      auditor.record({
        type: 'signin.failed',
        ...base(ctx),
        actor: { kind: 'anonymous' },
        ...(what.sub ? { account: what.sub } : {}),
        loginHash: auditor.hashId('login', what.email),
        client: what.clientId,
        reason: what.outcome === 'succeeded' ? 'wrong_password' : what.outcome,
        personSees: what.outcome === 'throttled' ? 'too_many_attempts' : 'incorrect_email_or_password',
        ...(what.outcome === 'risk_denied' ? risk : {}),
        ...(what.via ? { via: what.via } : {}),
        ...(what.passkeyFailure ? { passkeyFailure: what.passkeyFailure } : {}),
      } as AuditEvent);
    },
    /** A wrong (or throttled) second step: someone got past this account's password. */
    secondFactorFailed(ctx: Context, what: { sub: string; clientId: string; factor: 'totp' | 'recovery' | 'email' | 'passkey'; reason: 'wrong' | 'throttled'; passkeyFailure?: PasskeyFailure }) {
      auditor.record({ type: 'signin.second_factor_failed', ...base(ctx), actor: { kind: 'anonymous' }, account: what.sub, client: what.clientId, factor: what.factor, reason: what.reason, ...(what.passkeyFailure ? { passkeyFailure: what.passkeyFailure } : {}) } as AuditEvent);
    },
    consent(ctx: Context, what: { sub: string; clientId: string; scopes: string[]; grantId?: string; resources?: string[]; denied?: 'denied' | 'cancelled' }) {
      const common = { ...base(ctx), actor: { kind: 'account' as const, sub: what.sub }, account: what.sub, client: what.clientId, scopes: what.scopes.slice(0, 64) };
      if (what.denied) auditor.record({ type: 'consent.denied', ...common, how: what.denied } as AuditEvent);
      else if (what.grantId) {
        auditor.record({
          type: 'consent.granted',
          ...common,
          ...(what.resources?.length ? { resources: what.resources.slice(0, 16) } : {}),
          grantIdHash: auditor.hashId('grant', what.grantId),
        } as AuditEvent);
      }
    },
  };
}

export type InteractionAudit = ReturnType<typeof interactionAudit>;
