// The latchkey CLI run in process, as an operator runs it against a server's admin API: argv,
// what is typed on stdin, what it prints and its exit code.
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { runCli } from '../../server/cli/index.ts';
import { TEST_ADMIN_TOKEN } from './latchkey.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with this environment and working directory, as a shell would. */
export async function runCliAs(argv: string[], { stdin = '', env, cwd = process.cwd() }: { stdin?: string; env: Record<string, string>; cwd?: string }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdin: Readable.from(stdin === '' ? [] : [Buffer.from(stdin)]),
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
    cwd,
  });
  return { code, stdout, stderr };
}

/** Runs the CLI against the server at `url` (LATCHKEY_URL), with the test admin token. */
export function cliAt(url: string, argv: string[], { stdin = '' }: { stdin?: string } = {}): Promise<CliRun> {
  return runCliAs(argv, { stdin, env: { LATCHKEY_URL: url, LATCHKEY_ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
}

/** A failure as the CLI must report one: non-zero, nothing on stdout, one line on stderr. */
export function expectOneLineFailure(run: CliRun, pattern: RegExp): void {
  expect(run.code, run.stderr).to.not.equal(0);
  expect(run.stdout).to.equal('');
  expect(run.stderr).to.match(/^latchkey: [^\n]+\n$/);
  expect(run.stderr).to.match(pattern);
}
