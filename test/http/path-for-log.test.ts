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

  it('write the token of a mailed link as :token', () => {
    const token = 'Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6';
    expect(pathForLog(`/reset-password/${token}`)).to.equal('/reset-password/:token');
    expect(pathForLog(`/verify-email/${token}`)).to.equal('/verify-email/:token');
    expect(pathForLog(`/email-change/confirm/${token}`)).to.equal('/email-change/confirm/:token');
    expect(pathForLog(`/email-change/undo/${token}/x`)).to.equal('/email-change/undo/:token');
  });

  it('leave every other path as it is', () => {
    for (const path of ['/auth', '/device', '/device/auth', '/token', '/token/introspection', '/account/sessions', '/admin/users', '/interaction', '/forgot-password', '/signup', '/reset-password', '/dev/mail']) expect(pathForLog(path)).to.equal(path);
  });
});
