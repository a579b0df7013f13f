// The request log names an interaction by ':uid': its uid is also the interaction cookie's value.
import { expect } from 'chai';
import { pathForLog } from '../../server/http/request-context.ts';

describe('paths in the request log', () => {
  it('hide interaction uids, in Latchkey’s pages and in oidc-provider’s resume paths', () => {
    expect(pathForLog('/interaction/AbC-123_x')).to.equal('/interaction/:uid');
    expect(pathForLog('/interaction/AbC-123_x/login')).to.equal('/interaction/:uid/login');
    expect(pathForLog('/auth/AbC-123_x')).to.equal('/auth/:uid');
    expect(pathForLog('/device/AbC-123_x')).to.equal('/device/:uid');
  });

  it('leave every other path as it is', () => {
    for (const path of ['/auth', '/device', '/device/auth', '/token', '/token/introspection', '/account/sessions', '/admin/users', '/interaction']) expect(pathForLog(path)).to.equal(path);
  });
});
