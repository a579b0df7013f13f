// Development mode needs secrets too (cookie keys, the key that seals signing keys, an admin
// token for the CLI) but should need no setup. They are generated once into .latchkey/dev.json
// (git-ignored, mode 0600) so sessions and keys survive a restart against a development Redis,
// and the CLI finds the server's address and admin token there.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DevSecrets } from './index.ts';

export const DEV_FILE = join('.latchkey', 'dev.json');

interface DevFile {
  keysEncryptionKey: string;
  cookieSecret: string;
  adminToken: string;
  url?: string;
}

function read(path: string): DevFile | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DevFile;
  } catch {
    return undefined;
  }
}

function write(path: string, file: DevFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function devSecrets(path = DEV_FILE): DevSecrets {
  let file = read(path);
  if (!file?.keysEncryptionKey || !file.cookieSecret || !file.adminToken) {
    file = {
      keysEncryptionKey: randomBytes(32).toString('base64url'),
      cookieSecret: randomBytes(32).toString('base64url'),
      adminToken: randomBytes(32).toString('base64url'),
    };
    write(path, file);
  }
  return {
    keysEncryptionKey: Buffer.from(file.keysEncryptionKey, 'base64url'),
    cookieSecret: file.cookieSecret,
    adminToken: file.adminToken,
  };
}

/** Tells the CLI where the development server listens. */
export function recordDevUrl(url: string, adminToken: string, path = DEV_FILE): void {
  const file = read(path);
  if (file) write(path, { ...file, url, adminToken });
}
