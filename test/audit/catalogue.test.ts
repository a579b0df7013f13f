// The audit event catalogue: every type has a strict schema that accepts a well-formed event and
// refuses what must never be stored (secret-bearing fields, raw ids, unknown types and fields).
import { expect } from 'chai';
import { z } from 'zod';
import { definitionOf, EVENT_DEFINITIONS, EVENT_TYPES, parseAuditEvent, personView, type AuditEventOf } from '../../server/audit/catalogue.ts';
import { defineEvent } from '../../server/audit/define.ts';
import { alertRaisedEvent, alertSchema } from '../../server/audit/events-alerts.ts';
import { actorOf } from '../../server/audit/fields.ts';
import { secretLookingName, secretNamedFields } from '../../server/audit/secret-names.ts';
import { hashId, SAMPLES } from './samples.ts';

const SECRET_FIELDS = ['token', 'code', 'password', 'access_token', 'refreshToken', 'id_token', 'client_secret', 'jti', 'cookie', 'authorization'];
const problemsOf = (input: unknown) => {
  const result = parseAuditEvent(input);
  return result.ok ? [] : result.problems;
};

describe('audit event catalogue', () => {
  it('has a sample event for every type, and each parses against its schema', () => {
    expect(Object.keys(SAMPLES).sort()).to.deep.equal([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const result = parseAuditEvent(SAMPLES[type]);
      expect(result, type).to.deep.equal({ ok: true, event: SAMPLES[type] });
    }
  });

  it('names every event type once, with a dotted name, a version and a summary', () => {
    expect(new Set(EVENT_TYPES).size).to.equal(EVENT_TYPES.length);
    for (const definition of EVENT_DEFINITIONS) {
      expect(definition.type).to.match(/^[a-z_]+(\.[a-z_]+)+$/);
      expect(definition.version).to.be.a('number').above(0);
      expect(definition.summary).to.match(/\.$/);
      expect(definitionOf(definition.type)).to.equal(definition);
    }
  });

  it('covers the events the audit trail promises', () => {
    for (const type of [
      'signin.succeeded', 'signin.failed', 'consent.granted', 'consent.denied', 'token.issued', 'token.refreshed',
      'token.refresh_reuse_detected', 'token.revoked', 'token.introspected', 'grant.revoked', 'session.started', 'session.ended',
      'logout.backchannel_sent', 'key.staged', 'key.promoted', 'key.retired', 'key.revoked', 'client.created', 'client.changed',
      'client.removed', 'user.created', 'user.changed', 'user.removed', 'user.disabled', 'user.password_changed', 'admin.api_called', 'alert.raised',
    ]) {
      expect(EVENT_TYPES, type).to.include(type);
    }
  });

  it('refuses a secret-bearing field on every event type', () => {
    for (const type of EVENT_TYPES) {
      for (const name of SECRET_FIELDS) {
        const problems = problemsOf({ ...SAMPLES[type], [name]: 'eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl' });
        expect(problems.join(), `${type} with ${name}`).to.include(`Unrecognized key: "${name}"`);
      }
    }
  });

  it('refuses secret-bearing fields nested in the actor and the place too', () => {
    expect(problemsOf({ ...SAMPLES['signin.succeeded'], actor: { kind: 'account', sub: 's', password: 'hunter22hunter22' } })).to.not.deep.equal([]);
    const place = { ...SAMPLES['signin.succeeded'].place!, token: 'abc' };
    expect(problemsOf({ ...SAMPLES['signin.succeeded'], place }).join()).to.include('Unrecognized key: "token"');
  });

  it('cannot define an event with a field named like a secret, at any depth', () => {
    const define = (fields: z.ZodRawShape) => () => defineEvent('test.event', 1, { summary: 'x.', audience: 'operator', source: 'test', actor: actorOf('system'), fields });
    expect(define({ token: z.string() })).to.throw(/fields named like secrets: token/);
    expect(define({ clientSecret: z.string().optional() })).to.throw(/clientSecret/);
    expect(define({ detail: z.strictObject({ newPassword: z.string() }) })).to.throw(/detail\.newPassword/);
    expect(define({ codes: z.array(z.strictObject({ code: z.string() })) })).to.throw(/codes\[\]\.code/);
    expect(define({ tokenIdHash: z.string(), tokenKind: z.string() })).to.not.throw();
  });

  it('has no secret-named field in any schema it ships', () => {
    for (const definition of EVENT_DEFINITIONS) expect(secretNamedFields(definition.schema), definition.type).to.deep.equal([]);
    expect(secretNamedFields(alertSchema)).to.deep.equal([]);
  });

  it('tells secret-looking names apart from names that only mention tokens', () => {
    for (const name of ['token', 'access_token', 'AccessToken', 'refresh-token', 'id_token', 'code', 'user_code', 'password', 'newPassword', 'client_secret', 'jti', 'sessionId', 'Cookie', 'privateJwk', 'apiKey']) {
      expect(secretLookingName(name), name).to.equal(true);
    }
    for (const name of ['tokenIdHash', 'tokenKind', 'sessionIdHash', 'grantIdHash', 'loginHash', 'secretRotated', 'status', 'client']) {
      expect(secretLookingName(name), name).to.equal(false);
    }
  });

  it('takes id hashes only: a raw token id or session id in a hash field is refused', () => {
    const issued = SAMPLES['token.issued'];
    expect(problemsOf({ ...issued, tokenIdHash: 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg' }).join()).to.include('tokenIdHash');
    expect(problemsOf({ ...SAMPLES['session.started'], sessionIdHash: 'V1StGXR8_Z5jdHi6B-myT' }).join()).to.include('sessionIdHash');
    expect(problemsOf({ ...issued, tokenIdHash: hashId('token', 'anything') })).to.deep.equal([]);
  });

  it('refuses unknown types, unknown fields, wrong versions, wrong actors and missing fields', () => {
    expect(problemsOf({ ...SAMPLES['signin.failed'], type: 'signin.maybe' })).to.deep.equal(['type: not an audit event type: signin.maybe']);
    expect(problemsOf(null)).to.deep.equal(['type: not an audit event type: undefined']);
    expect(problemsOf({ ...SAMPLES['signin.failed'], note: 'hello' }).join()).to.include('Unrecognized key: "note"');
    expect(problemsOf({ ...SAMPLES['signin.failed'], version: 2 }).join()).to.include('version');
    expect(problemsOf({ ...SAMPLES['signin.succeeded'], actor: { kind: 'client', clientId: 'x' } }).join()).to.include('actor');
    const { reason: _reason, ...noReason } = SAMPLES['signin.failed'];
    expect(problemsOf(noReason).join()).to.include('reason');
    expect(problemsOf({ ...SAMPLES['signin.failed'], reason: 'bad_luck' }).join()).to.include('reason');
    expect(problemsOf({ ...SAMPLES['admin.api_called'], path: '/admin/users?email=a@b' }).join()).to.include('no query string');
    expect(problemsOf({ ...SAMPLES['signin.failed'], ip: 'not-an-ip' }).join()).to.include('ip');
    expect(problemsOf({ ...SAMPLES['signin.failed'], place: { country: 'germany' } }).join()).to.include('place.country');
  });

  it('derives the TypeScript types from the schemas', () => {
    const failed: AuditEventOf<'signin.failed'> = SAMPLES['signin.failed'];
    // @ts-expect-error a reason the catalogue does not know
    const wrong: AuditEventOf<'signin.failed'> = { ...failed, reason: 'bad_luck' };
    // @ts-expect-error a field the catalogue does not know
    const extra: AuditEventOf<'token.issued'> = { ...SAMPLES['token.issued'], token: 'x' };
    expect([wrong.type, extra.type]).to.deep.equal(['signin.failed', 'token.issued']);
  });

  describe('person view', () => {
    it('hides the operator-only reason and login hash of a failed sign-in, and keeps what the person was told', () => {
      const view = personView(SAMPLES['signin.failed'])!;
      expect(view).to.not.have.any.keys('reason', 'loginHash');
      expect(view).to.include({ personSees: 'incorrect_email_or_password', account: SAMPLES['signin.failed'].account });
    });

    it('shows nothing of operator-only events, nor of events that name no account', () => {
      expect(personView(SAMPLES['token.introspected'])).to.equal(undefined);
      expect(personView(SAMPLES['key.revoked'])).to.equal(undefined);
      const { account: _account, ...noAccount } = SAMPLES['token.issued'];
      expect(personView({ ...noAccount, tokenKind: 'client_credentials' })).to.equal(undefined);
    });

    it('shows the person an alert about them as its severity and person message only', () => {
      const view = personView(SAMPLES['alert.raised'])!;
      expect(view).to.include.keys('severity', 'personMessage', 'account', 'at');
      expect(view).to.not.have.any.keys('summary', 'evidence', 'rule', 'subjectIp');
    });
  });

  describe('alerts as events', () => {
    const alert = { rule: 'impossible_travel' as const, severity: 'high' as const, at: 1, account: 's', summary: 'x', evidence: {} };

    it('turns an alert into an alert.raised event that validates', () => {
      expect(parseAuditEvent(alertRaisedEvent({ ...alert, ip: '2001:db8::1' }))).to.include({ ok: true });
      expect(alertRaisedEvent({ ...alert, ip: '2001:db8::1' })).to.include({ subjectIp: '2001:db8::1' }).and.not.have.key('ip');
    });

    it('refuses evidence named like a secret, and evidence that is not small', () => {
      expect(alertSchema.safeParse({ ...alert, evidence: { refresh_token: 'x' } }).success).to.equal(false);
      const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`fact${i}`, i]));
      expect(alertSchema.safeParse({ ...alert, evidence: many }).success).to.equal(false);
      expect(alertSchema.safeParse({ ...alert, evidence: { note: 'x'.repeat(257) } }).success).to.equal(false);
      expect(alertSchema.safeParse({ ...alert, evidence: { nested: { deep: 1 } } }).success).to.equal(false);
    });
  });
});
