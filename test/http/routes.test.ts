// The route table is the one source of paths: oidc-provider serves its endpoints where the table
// says, and every API path gets the API headers while pages get the page headers.
import { expect } from 'chai';
import { isApiPath, PROVIDER_ROUTES, ROUTES, stackFor, type Route } from '../../server/http/routes.ts';
import { startLatchkey, type Running } from '../support/latchkey.ts';

describe('the route table', () => {
  let running: Running;
  before(async () => {
    running = await startLatchkey();
  });
  after(() => running.stop());

  it("configures oidc-provider's endpoints: discovery advertises exactly the table's paths", async () => {
    const discovery = (await (await fetch(`${running.url}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    const advertised: Record<string, string> = {
      authorization_endpoint: PROVIDER_ROUTES.authorization,
      token_endpoint: PROVIDER_ROUTES.token,
      userinfo_endpoint: PROVIDER_ROUTES.userinfo,
      jwks_uri: PROVIDER_ROUTES.jwks,
      introspection_endpoint: PROVIDER_ROUTES.introspection,
      revocation_endpoint: PROVIDER_ROUTES.revocation,
      end_session_endpoint: PROVIDER_ROUTES.end_session,
      device_authorization_endpoint: PROVIDER_ROUTES.device_authorization,
      pushed_authorization_request_endpoint: PROVIDER_ROUTES.pushed_authorization_request,
    };
    for (const [field, path] of Object.entries(advertised)) expect(discovery[field], field).to.equal(`${running.url}${path}`);
  });

  it('classifies every API path as API and every page path as a page, including paths below prefixes', () => {
    for (const [name, route] of Object.entries(ROUTES) as [string, Route][]) {
      expect(isApiPath(route.path), name).to.equal(route.kind === 'api');
      if (route.prefix) expect(isApiPath(`${route.path}/below`), `${name}/below`).to.equal(route.kind === 'api');
    }
    expect(isApiPath('/device/some-uid'), 'a device page below /device').to.equal(false);
    expect(isApiPath('/nowhere')).to.equal(false);
  });

  it('sends each path to its stack, and unknown paths to oidc-provider', () => {
    expect(stackFor('/token/introspection')).to.equal('token');
    expect(stackFor('/device/auth')).to.equal('device');
    expect(stackFor('/admin/users')).to.equal('admin');
    expect(stackFor('/interaction/abc/login')).to.equal('interaction');
    expect(stackFor('/healthz')).to.equal('health');
    expect(stackFor('/unknown/path')).to.equal('provider');
  });
});
