// What the operator log keeps of a refusal, on data: what was asked for and the library's detail,
// never a credential the request carried, and never the body a parser's message quotes.
import { expect } from 'chai';
import { refusalDetail } from '../../server/http/errors.ts';
import { refusalFacts } from '../../server/observability/refusals.ts';

describe('refusalFacts', () => {
  const params = {
    client_id: 'app', redirect_uri: 'https://rp.example.test/cb', scope: 'openid', resource: 'https://api.example.test',
    code: 'an-authorization-code', client_secret: 'a-client-secret', refresh_token: 'a-refresh-token', code_verifier: 'a-verifier', client_assertion: 'a.jwt.here', login_hint: 'ada@example.test',
  };

  it('keeps what was asked for and drops every credential and hint', () => {
    const facts = refusalFacts('token', { message: 'invalid_grant', error: 'invalid_grant', error_description: 'grant request is invalid', error_detail: 'PKCE verification failed', statusCode: 400 }, params, { clientId: 'app' });
    expect(facts).to.deep.include({ event: 'request.refused', route: 'token', status: 400, error: 'invalid_grant', description: 'grant request is invalid', detail: 'PKCE verification failed', client: 'app' });
    expect(facts.asked).to.deep.equal({ client_id: 'app', redirect_uri: 'https://rp.example.test/cb', scope: 'openid', resource: 'https://api.example.test' });
    const text = JSON.stringify(facts);
    for (const secret of ['an-authorization-code', 'a-client-secret', 'a-refresh-token', 'a-verifier', 'a.jwt.here', 'ada@example.test']) expect(text).to.not.include(secret);
  });

  it('names what the client registered only when that is what did not match', () => {
    const client = { clientId: 'app', redirectUris: ['https://rp.example.test/cb'], postLogoutRedirectUris: ['https://rp.example.test/bye'], allowed_resources: { 'https://api.example.test': 'read' } };
    expect(refusalFacts('authorization', { error: 'invalid_redirect_uri' }, {}, client).registered).to.deep.equal(['https://rp.example.test/cb']);
    // oidc-provider refuses a sign-out address as invalid_request.
    expect(refusalFacts('end_session', { error: 'invalid_request' }, { post_logout_redirect_uri: 'https://x.test' }, client).registered).to.deep.equal(['https://rp.example.test/bye']);
    expect(refusalFacts('end_session', { error: 'invalid_request' }, {}, client)).to.not.have.property('registered');
    expect(refusalFacts('authorization', { error: 'invalid_target' }, {}, client).allowedResources).to.deep.equal(['https://api.example.test']);
    const other = refusalFacts('authorization', { error: 'invalid_scope' }, {}, client);
    expect(other).to.not.have.property('registered');
    expect(other).to.not.have.property('allowedResources');
  });

  it('cuts what it keeps short', () => {
    const facts = refusalFacts('authorization', { error: 'invalid_request', error_description: 'x'.repeat(5000) }, { redirect_uri: `https://a.test/${'y'.repeat(5000)}` }, undefined);
    expect(facts.description).to.have.length(512);
    expect(facts.asked.redirect_uri).to.have.length(512);
  });
});

describe('refusalDetail', () => {
  it('says where JSON broke, never what the parser quoted of the body', () => {
    const quoted = Object.assign(new SyntaxError('Unexpected token \'p\', "{"password": "hunter2hunter2"... is not valid JSON'), { status: 400, body: '{"password": "hunter2hunter2' });
    expect(refusalDetail(quoted)).to.deep.equal({ cause: 'malformed JSON' });
    const positioned = Object.assign(new SyntaxError('Unterminated string in JSON at position 41 (line 1 column 42)'), { status: 400 });
    expect(refusalDetail(positioned)).to.deep.equal({ cause: 'malformed JSON', position: 41 });
  });

  it('names the body reader’s failure by its type and numbers, a bad encoding by its code', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, limit: 102400, length: 200000 });
    expect(refusalDetail(tooLarge)).to.deep.equal({ cause: 'entity.too.large', limit: 102400, length: 200000 });
    expect(refusalDetail(Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' }))).to.deep.equal({ cause: 'Z_DATA_ERROR' });
    expect(refusalDetail(new Error('anything else'))).to.equal(undefined);
    expect(refusalDetail('not an error')).to.equal(undefined);
  });
});
