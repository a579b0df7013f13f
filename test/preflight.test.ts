// npm test's first step stops at once, with the install line, when redis-server, Chromium,
// promtool, Apache or mod_auth_openidc is missing, and lets the run go on when all are there.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { expect } from 'chai';

const PREFLIGHT = join(import.meta.dirname, 'preflight.ts');
const run = (env: Record<string, string>) => spawnSync(process.execPath, [PREFLIGHT], { encoding: 'utf8', env });

describe('npm test preflight', () => {
  it('stops with the one install line when redis-server, Chromium, promtool, Apache and mod_auth_openidc are missing', () => {
    const result = run({ PATH: dirname(process.execPath), CHROMIUM_PATH: '/nonexistent/chromium', APACHE2_PATH: '/nonexistent/apache2', APACHE_MODULES_DIR: '/nonexistent/modules' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('redis-server (not on PATH)');
    expect(result.stderr).to.include('chromium (not at /nonexistent/chromium)');
    expect(result.stderr).to.include('promtool (package prometheus, not on PATH)');
    expect(result.stderr).to.include('apache2 (not at /nonexistent/apache2)');
    expect(result.stderr).to.include('mod_auth_openidc (package libapache2-mod-auth-openidc, not in /nonexistent/modules)');
    expect(result.stderr).to.include('apt-get install -y --no-install-recommends redis-server chromium prometheus apache2 libapache2-mod-auth-openidc');
  });

  it('passes when all are present', () => {
    const result = run({ PATH: process.env.PATH!, ...(process.env.CHROMIUM_PATH ? { CHROMIUM_PATH: process.env.CHROMIUM_PATH } : {}) });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stderr).to.equal('');
  });
});
