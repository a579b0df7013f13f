// What the CLI touches of the outside world, passed in so tests drive it without a process.
export interface CliIo {
  stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean };
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** A failure the user should read: printed as `latchkey: <message>`, exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Server- or user-supplied text, made safe for one terminal line (no escape sequences). */
export function oneLine(text: string): string {
  return text
    .replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The whole of stdin minus one trailing newline, so `echo secret |` and `printf %s secret |`
 * give the same password while a password that really ends in spaces keeps them.
 */
export async function readPasswordStdin(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) io.stderr.write('latchkey: reading the password from stdin; end it with Ctrl-D\n');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') {
    throw new CliError('no password on stdin (pipe it in, e.g. printf %s "$PASSWORD" | latchkey ... --password-stdin)');
  }
  return password;
}
