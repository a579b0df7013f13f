// The benchmark's smoke mode (npm run bench -- --smoke): every scenario runs against both
// servers with a few requests and answers without errors. A benchmark, not a test: nothing here
// looks at throughput or latency.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '../../bench/report.ts';

const RUNNER = join(import.meta.dirname, '..', '..', 'bench', 'run.ts');
// Parts that walk the browser flow: redirects are how it moves.
const FLOW_PARTS = new Set(['login', 'storm', 'touch', 'owner']);

describe('benchmark smoke mode', function () {
  this.timeout(90_000);
  let dir: string;
  let report: RunReport;
  let output = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-smoke-'));
    const out = join(dir, 'report.json');
    const child = spawn(process.execPath, [RUNNER, '--smoke', '--no-pin', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, `the runner failed:\n${output}`).to.equal(0);
    report = JSON.parse(await readFile(out, 'utf8')) as RunReport;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('runs every default scenario without failing', () => {
    const names = report.scenarios.map((s) => s.name);
    for (const name of ['cc-opaque', 'cc-jwt-es256', 'cc-jwt-rs256', 'refresh', 'introspection', 'userinfo', 'discovery', 'jwks', 'latency', 'authcode-login', 'login-storm', 'mixed', 'memory', 'rotation', 'risk', 'attack']) {
      expect(names, output).to.include(name);
    }
    for (const scenario of report.scenarios) expect(scenario.error, `${scenario.name}: ${scenario.error}`).to.equal(undefined);
  });

  it('measures both servers in every comparative scenario', () => {
    // memory, rotation and attack measure Latchkey alone (Redis footprint; its own key rotation;
    // its brute-force protection); risk runs the pure risk model, no server.
    // latency reports its own table (data.latency, below).
    for (const scenario of report.scenarios.filter((s) => !['memory', 'rotation', 'risk', 'attack', 'latency'].includes(s.name))) {
      expect(scenario.rows.map((r) => r.target).sort(), scenario.name).to.deep.equal(['baseline', 'latchkey']);
    }
  });

  it('measures p50/p99 of every token path on both servers at two fixed rates, without errors', () => {
    const rows = (report.scenarios.find((s) => s.name === 'latency')!.data as { latency: { path: string; target: string; peak: number; at: { load: number; rate: number; p99: number; errors: number }[] }[] }).latency;
    expect(rows.map((r) => `${r.path}:${r.target}`).sort()).to.deep.equal(
      ['cc-opaque', 'introspection', 'refresh', 'userinfo'].flatMap((p) => [`${p}:baseline`, `${p}:latchkey`]),
    );
    for (const row of rows) {
      expect(row.peak, row.path).to.be.above(0);
      expect(row.at.map((a) => a.load)).to.deep.equal([0.5, 0.9]);
      for (const a of row.at) expect(a.errors, `${row.path} ${row.target} at ${a.load}`).to.equal(0);
    }
  });

  it('scores synthetic sign-ins with the risk model and reports every attacker kind', () => {
    const risk = report.scenarios.find((s) => s.name === 'risk')!;
    const data = risk.data as { atDefault: { genuineCount: number; attackers: Record<string, { count: number }> }; scoreMicroseconds: { calls: number } };
    expect(data.atDefault.genuineCount, output).to.be.above(0);
    for (const kind of ['naive', 'vpn', 'targeted']) expect(data.atDefault.attackers[kind]!.count, kind).to.be.above(0);
    expect(data.scoreMicroseconds.calls).to.be.above(data.atDefault.genuineCount);
  });

  it('gets only successful answers: 2xx, and redirects only inside the browser flows', () => {
    for (const scenario of report.scenarios) {
      for (const row of scenario.rows) {
        const where = `${scenario.name} (${row.target}): ${JSON.stringify(row.statuses)}`;
        expect(row.errors, where).to.equal(0);
        let answered = 0;
        for (const [key, count] of Object.entries(row.statuses)) {
          const [part, code] = key.split(':') as [string, string];
          expect(code, where).to.match(FLOW_PARTS.has(part) ? /^[23]\d\d$/ : /^2\d\d$/);
          answered += count;
        }
        expect(answered, where).to.be.above(0);
      }
    }
  });
});
