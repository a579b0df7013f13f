import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { createRenderer, safeHref, viewsDir } from '../../server/http/render.ts';

const render = createRenderer(viewsDir);
const hostile = '<script>alert(1)</script>';
const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;';
const base = { title: 'Test', issuer: 'http://localhost:3000' };
const client = { name: hostile, host: 'app.example.com' };

/** Every template with representative (and partly hostile) data, as routes will call them. */
const pages: Record<string, Record<string, unknown>> = {
  login: { ...base, action: '/interaction/abc/login', csrf: 'tok-login', email: '', error: undefined, client },
  'login with error': {
    ...base, action: '/interaction/abc/login', csrf: 'tok-login', email: 'a@example.com',
    error: 'Incorrect email or password.', client,
  },
  consent: {
    ...base, action: '/interaction/abc/confirm', csrf: 'tok-consent',
    client: { ...client, policyUri: 'https://app.example.com/privacy', tosUri: 'javascript:alert(1)' },
    user: { email: 'a@example.com', name: hostile },
    scopes: [{ name: 'openid', description: 'Confirm who you are' }, { name: 'email', description: hostile }],
    claims: ['email', hostile],
    resources: [
      { identifier: 'https://api.example.com', name: hostile, scopes: [{ name: 'read' }, { name: 'write', description: hostile }] },
      { identifier: 'https://api.example.com/v2', scopes: [{ name: hostile }] },
    ],
  },
  logout: { ...base, action: '/session/end/confirm', csrf: 'tok-logout', xsrf: 'xsrf-logout', client },
  'signed-out': { ...base, client },
  'device-code': { ...base, action: '/device', csrf: 'tok-device', userCode: '', xsrf: 'xsrf-device', error: hostile },
  'device-code confirm': {
    ...base, action: '/device', csrf: 'tok-device', userCode: 'BCDF-GHJK', xsrf: 'xsrf-device', client,
  },
  'device-success': { ...base, client, message: hostile },
  error: {
    ...base, status: 400, error: 'invalid_request', description: hostile, requestId: 'req-1', backUrl: '/',
  },
};

function templateOf(page: string): string {
  return page.split(' ')[0]!;
}

function renderPage(page: string): string {
  return render(templateOf(page), pages[page]!);
}

/** Opening tags of one element type, e.g. every `<form ...>`. */
function tags(html: string, name: string): string[] {
  return html.match(new RegExp(`<${name}\\b[^>]*>`, 'gi')) ?? [];
}

function forms(html: string): string[] {
  return html.match(/<form\b[\s\S]*?<\/form>/gi) ?? [];
}

describe('render', () => {
  for (const page of Object.keys(pages)) {
    describe(page, () => {
      const html = renderPage(page);

      it('is a complete page with the stylesheet, one h1, header and main landmarks', () => {
        expect(html).to.match(/^<!doctype html>/i);
        expect(html).to.include('<html lang="en">');
        expect(html).to.include('<title>Test · Latchkey</title>');
        expect(html).to.include('<link rel="stylesheet" href="/static/latchkey.css">');
        expect(tags(html, 'h1')).to.have.length(1);
        expect(tags(html, 'header')).to.have.length(1);
        expect(tags(html, 'main')).to.have.length(1);
        expect(html).to.match(/<span class="wordmark">[\s\S]*?Latchkey\s*<\/span>/);
      });

      it('has no script, inline style or inline event handler (strict CSP)', () => {
        expect(html).not.to.match(/<script/i);
        expect(html).not.to.match(/\sstyle\s*=/i);
        expect(html).not.to.match(/<style/i);
        expect(html).not.to.match(/\son[a-z]+\s*=/i);
        expect(html).not.to.match(/javascript:/i);
        expect(html).not.to.match(/https?:\/\/(?!localhost:3000|app\.example\.com|api\.example\.com)/);
      });

      it('escapes hostile input wherever it appears', () => {
        expect(html).not.to.include(hostile);
        expect(html).not.to.include('<script');
      });

      it('puts exactly one anti-forgery field in every form, and every form posts', () => {
        const expected = ['signed-out', 'device-success', 'error'].includes(page) ? 0 : 1;
        expect(forms(html)).to.have.length(expected);
        // Latchkey's forms carry its signed _csrf token; the forms oidc-provider answers (logout,
        // device) carry the xsrf secret it checks. Never both, never a field nothing checks.
        const ours = ['login', 'consent'].includes(templateOf(page));
        for (const form of forms(html)) {
          expect(form).to.match(/^<form method="post" action="[^"]+"/);
          const fields = tags(form, 'input').filter((i) => /name="(_csrf|xsrf)"/.test(i));
          expect(fields, form).to.deep.equal([ours ? `<input type="hidden" name="_csrf" value="${pages[page]!.csrf}">` : `<input type="hidden" name="xsrf" value="${pages[page]!.xsrf}">`]);
        }
      });

      it('labels every visible input', () => {
        for (const input of tags(html, 'input').filter((i) => !i.includes('type="hidden"'))) {
          const id = /\bid="([^"]+)"/.exec(input)?.[1];
          expect(id, input).to.be.a('string');
          expect(html).to.include(`<label for="${id}">`);
        }
      });
    });
  }

  describe('login', () => {
    it('has labelled email and password fields and a Sign in button', () => {
      const html = renderPage('login');
      expect(html).to.include('<label for="email">Email</label>');
      expect(html).to.include('<label for="password">Password</label>');
      const [email] = tags(html, 'input').filter((i) => i.includes('id="email"'));
      expect(email).to.include('name="email"').and.include('type="email"')
        .and.include('autocomplete="username"').and.include('required');
      const [password] = tags(html, 'input').filter((i) => i.includes('id="password"'));
      expect(password).to.include('name="password"').and.include('type="password"')
        .and.include('autocomplete="current-password"').and.include('required');
      expect(html).to.match(/<button type="submit"[^>]*>Sign in<\/button>/);
      expect(html).to.include(escaped);
      expect(html).to.include('app.example.com');
      expect(html).not.to.include('role="alert"');
      expect(html).not.to.include('aria-describedby');
    });

    it('shows an error as an alert the fields point at, and keeps the email', () => {
      const html = renderPage('login with error');
      expect(html).to.match(/<p id="login-error" class="alert" role="alert">Incorrect email or password\.<\/p>/);
      const inputs = tags(html, 'input').filter((i) => !i.includes('type="hidden"'));
      expect(inputs).to.have.length(2);
      for (const input of inputs) expect(input).to.include('aria-describedby="login-error"');
      expect(html).to.include('value="a@example.com"');
    });

    it('escapes a hostile email prefill inside the attribute', () => {
      const html = render('login', { ...pages.login, email: '"><img src=x onerror=alert(1)>' });
      expect(html).to.include('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
      expect(html).not.to.match(/<img/);
    });
  });

  describe('consent', () => {
    const html = renderPage('consent');

    it('names the host in the heading and offers Allow and Deny in one form', () => {
      expect(html).to.match(/<h1>.*app\.example\.com.*wants to access your account<\/h1>/);
      expect(forms(html)).to.have.length(1);
      const [form] = forms(html);
      expect(form).to.include('<button type="submit" name="decision" value="allow" class="btn btn-primary">Allow</button>');
      expect(form).to.include('<button type="submit" name="decision" value="deny" class="btn">Deny</button>');
    });

    it('lists scopes, claims and resources in escaped plain words', () => {
      expect(html).to.include('Confirm who you are');
      expect(html).to.include('https://api.example.com');
      expect(html, 'an API without a name by its identifier, a scope without words by its name').to.include('<span class="mono">https://api.example.com/v2</span>: ');
      expect(html, 'a scope without words by its name').to.match(/https:\/\/api\.example\.com<\/span>\): read; /);
      expect(html.split(escaped).length - 1).to.be.at.least(7);
    });

    it('links only http(s) policy and terms URLs', () => {
      expect(html).to.include('href="https://app.example.com/privacy"');
      expect(html).not.to.include('terms of service');
    });

    it('still reads well with no scopes, claims or resources', () => {
      const bare = render('consent', { ...pages.consent, scopes: [], claims: [], resources: [] });
      expect(bare).to.include('Confirm that you signed in');
      expect(bare).not.to.include('It will also see');
    });
  });

  describe('logout', () => {
    it('posts xsrf, with logout=yes only on Sign out (oidc-provider ends the session on any logout value)', () => {
      const html = renderPage('logout');
      expect(html).to.include('<input type="hidden" name="xsrf" value="xsrf-logout">');
      expect(html).to.include('<button type="submit" name="logout" value="yes" class="btn btn-primary">Sign out</button>');
      expect(html).to.include('<button type="submit" class="btn">Stay signed in</button>');
    });

    it('works without a client', () => {
      const html = render('logout', { ...pages.logout, client: undefined });
      expect(html).to.include('sign out of Latchkey');
    });
  });

  describe('signed-out', () => {
    it('says so', () => {
      expect(render('signed-out', base)).to.include('<h1>You have signed out</h1>');
    });
  });

  describe('device-code', () => {
    it('asks for the code with a labelled field', () => {
      const html = renderPage('device-code');
      expect(html).to.include('<label for="user_code">Code</label>');
      const [input] = tags(html, 'input').filter((i) => i.includes('id="user_code"'));
      expect(input).to.include('name="user_code"').and.include('autocomplete="off"')
        .and.include('autocapitalize="characters"').and.include('aria-describedby="code-hint code-error"');
      expect(html).to.include('<input type="hidden" name="xsrf" value="xsrf-device">');
      expect(html).to.match(/role="alert">&lt;script&gt;/);
      expect(html).to.match(/<button type="submit" class="btn btn-primary">Continue<\/button>/);
    });

    it('asks to confirm a known client, carrying xsrf and the code', () => {
      const html = renderPage('device-code confirm');
      expect(html).to.include(`Confirm sign-in for ${escaped}`);
      expect(html).to.include('(app.example.com)');
      expect(html).to.include('<input type="hidden" name="xsrf" value="xsrf-device">');
      expect(html).to.include('<input type="hidden" name="user_code" value="BCDF-GHJK">');
      expect(html).to.include('<button type="submit" name="confirm" value="yes" class="btn btn-primary">Continue</button>');
      expect(html).to.include('<button type="submit" name="abort" value="yes" class="btn">Cancel</button>');
      expect(html).not.to.include('<label for="user_code">');
    });
  });

  describe('error', () => {
    it('says what happened and what to do, with details to quote', () => {
      const html = renderPage('error');
      expect(html).to.include('This request can’t be completed');
      expect(html).to.include('What you can do');
      expect(html).to.include('invalid_request');
      expect(html).to.include('req-1');
      expect(html).to.include('href="/"');
    });

    it('adapts the headline to server errors and drops unsafe back links', () => {
      const html = render('error', {
        ...base, status: 500, error: 'server_error', description: 'Try later.', backUrl: 'javascript:alert(1)',
      });
      expect(html).to.include('Something went wrong on our side');
      expect(html).not.to.include('javascript:');
      expect(html).not.to.include('Go back');
    });
  });

  describe('safeHref', () => {
    it('keeps http(s) URLs and same-origin paths, drops everything else', () => {
      expect(safeHref('https://a.example/x')).to.equal('https://a.example/x');
      expect(safeHref('/account')).to.equal('/account');
      for (const bad of ['javascript:alert(1)', 'data:text/html,x', '//evil.example', '/\\evil.example', '', 42, undefined]) {
        expect(safeHref(bad)).to.equal('');
      }
    });
  });

  describe('stylesheet', () => {
    const css = readFileSync(join(viewsDir, 'static', 'latchkey.css'), 'utf8');

    it('has dark mode, visible focus, and no external resources', () => {
      expect(css).to.include('prefers-color-scheme: dark');
      expect(css).to.include(':focus-visible');
      expect(css).not.to.match(/@import|url\(/);
    });
  });

  // A device-flow app (oidc-agent, a CLI) registers no redirect URI: the pages name it by its name
  // alone, with no empty host where one would go.
  describe('an app with no redirect URI', () => {
    const noHost = { name: 'oidc-agent:laptop' };
    it('is named by its name on the consent, device, login and signed-out pages', () => {
      const consent = render('consent', { ...pages.consent, client: noHost });
      expect(consent).to.include('<h1>oidc-agent:laptop wants to access your account</h1>');
      expect(consent).to.include('Only allow this if you trust <strong>oidc-agent:laptop</strong>.');
      expect(render('device-code', { ...pages['device-code confirm'], client: noHost })).to.include('<h1>Confirm sign-in for oidc-agent:laptop</h1>');
      for (const page of ['login', 'signed-out']) {
        expect(render(page, { ...pages[page], client: noHost }), page).to.not.include('<span class="host"></span>');
      }
    });
  });
});
