// `npm test` runs this first: the suites need a redis-server on PATH (or TEST_REDIS_URL), Debian's
// Chromium (or CHROMIUM_PATH), Prometheus' promtool (which checks the metrics) and Debian's Apache
// with mod_auth_openidc (a relying party of the interop suite). Missing any, it
// stops at once with the one line that installs them, instead of a minute of failures.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const INSTALL = 'apt-get install -y --no-install-recommends redis-server chromium prometheus apache2 libapache2-mod-auth-openidc    # as root, or with sudo (Debian, Ubuntu)';

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missing: string[] = [];
if (!process.env.TEST_REDIS_URL && !onPath('redis-server')) missing.push('redis-server (not on PATH)');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) missing.push(`chromium (not at ${chromium})`);
if (!onPath('promtool')) missing.push('promtool (package prometheus, not on PATH)');
// The interop suite runs Apache with mod_auth_openidc as a relying party (test/interop/apache.ts).
const apache = process.env.APACHE2_PATH ?? '/usr/sbin/apache2';
const modules = process.env.APACHE_MODULES_DIR ?? '/usr/lib/apache2/modules';
if (!existsSync(apache)) missing.push(`apache2 (not at ${apache})`);
if (!existsSync(join(modules, 'mod_auth_openidc.so'))) missing.push(`mod_auth_openidc (package libapache2-mod-auth-openidc, not in ${modules})`);

if (missing.length > 0) {
  process.stderr.write(`npm test needs ${missing.join(' and ')}. Install them with:\n\n  ${INSTALL}\n\n(or set TEST_REDIS_URL and CHROMIUM_PATH). Nothing was run.\n`);
  process.exit(1);
}
