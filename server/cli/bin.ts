#!/usr/bin/env node
// The installed `latchkey` executable (package.json "bin"); all behaviour lives in runCli.
import { runCli } from './index.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
