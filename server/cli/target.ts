// Which server the CLI talks to. Production: LATCHKEY_URL and LATCHKEY_ADMIN_TOKEN. Development:
// nothing to set, because the development server writes .latchkey/dev.json in its directory.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DEV_FILE } from '../../config/dev-secrets.ts';
import { CliError } from './io.ts';

// The file the development server writes (config/dev-secrets.ts).
export { DEV_FILE };

export interface AdminTarget {
  url: string;
  token: string;
  /** Where url and token came from, to make failures actionable. */
  source: 'env' | 'dev-file';
}

const DevFile = z.looseObject({ url: z.string().min(1), adminToken: z.string().min(1) });

function checkUrl(url: string, origin: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`${origin} is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`${origin} must be an http(s) URL: ${url}`);
  }
  return url;
}

export async function resolveTarget(env: Record<string, string | undefined>, cwd: string): Promise<AdminTarget> {
  const url = env.LATCHKEY_URL || undefined;
  const token = env.LATCHKEY_ADMIN_TOKEN || undefined;
  if (url !== undefined || token !== undefined) {
    // Never mix sources: the development token must not be sent to a server named in the env.
    if (url === undefined) throw new CliError('LATCHKEY_ADMIN_TOKEN is set but LATCHKEY_URL is not; set both');
    if (token === undefined) throw new CliError('LATCHKEY_URL is set but LATCHKEY_ADMIN_TOKEN is not; set both');
    return { url: checkUrl(url, 'LATCHKEY_URL'), token, source: 'env' };
  }

  const path = join(cwd, DEV_FILE);
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(
        `no server configured: set LATCHKEY_URL and LATCHKEY_ADMIN_TOKEN, or run this in the directory of a development server (npm start), which writes ${DEV_FILE}`,
      );
    }
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CliError(`${path} is not valid JSON; restart the development server to rewrite it`);
  }
  const dev = DevFile.safeParse(parsed);
  if (!dev.success) throw new CliError(`${path} lacks "url" or "adminToken"; restart the development server to rewrite it`);
  return { url: checkUrl(dev.data.url, path), token: dev.data.adminToken, source: 'dev-file' };
}
