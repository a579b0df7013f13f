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

/** Runs the bench runner with `args` (and --no-pin, --out); its report, and what it printed. */
async function runBench(dir: string, name: string, args: string[]): Promise<{ report: RunReport; output: string }> {
  const out = join(dir, `${name}.json`);
  let output = '';
  const child = spawn(process.execPath, [RUNNER, ...args, '--no-pin', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, `the runner failed:\n${output}`).to.equal(0);
  return { report: JSON.parse(await readFile(out, 'utf8')) as RunReport, output };
}

describe('benchmark smoke mode', function () {
  this.timeout(90_000);
  let dir: string;
  let report: RunReport;
  let output = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-smoke-'));
    ({ report, output } = await runBench(dir, 'report', ['--smoke']));
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

// The opt-in modes, in smoke mode: the soak for a few seconds (two instances behind the proxy),
// and the capacity inputs with a few requests per type.
describe('benchmark smoke mode: --soak and --capacity', function () {
  this.timeout(120_000);
  let dir: string;
  let report: RunReport;
  let output = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-smoke-modes-'));
    ({ report, output } = await runBench(dir, 'modes', ['--smoke', '--soak', '--soak-minutes', '0.1', '--capacity']));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('runs only the two modes, on Latchkey alone, without failing', () => {
    expect(report.scenarios.map((s) => s.name), output).to.deep.equal(['soak', 'capacity']);
    for (const scenario of report.scenarios) {
      expect(scenario.error, `${scenario.name}: ${scenario.error}`).to.equal(undefined);
      expect(scenario.rows.map((r) => r.target), scenario.name).to.not.include('baseline');
    }
  });

  it('soaks two instances through the proxy: per interval, both RSS, both busy, Redis memory, p99, no errors', () => {
    const soak = report.scenarios.find((s) => s.name === 'soak')!;
    const data = soak.data as { instances: number; samples: { rssMB: number[]; cpu: number[]; redisMB: number; p99?: number; requests?: number; errors?: number }[]; errors: number; verdicts: Record<string, boolean> };
    expect(data.instances).to.equal(2);
    const loaded = data.samples.slice(1);
    expect(loaded.length, output).to.be.at.least(2);
    for (const sample of data.samples) {
      expect(sample.rssMB.every((mb) => mb > 0), JSON.stringify(sample)).to.equal(true);
      expect(sample.redisMB).to.be.above(0);
    }
    for (const sample of loaded) {
      expect(sample.requests, JSON.stringify(sample)).to.be.above(0);
      expect(sample.errors, JSON.stringify(sample)).to.equal(0);
      expect(sample.p99, JSON.stringify(sample)).to.be.above(0);
    }
    // The proxy spreads the load: both instances used CPU over the soak.
    for (const k of [0, 1]) expect(loaded.reduce((s, x) => s + x.cpu[k]!, 0), `instance ${k + 1} CPU`).to.be.above(0);
    expect(data.errors).to.equal(0);
    expect(Object.keys(data.verdicts)).to.have.members(['flatMemory', 'zeroErrors', 'p99Drift']);
    const parts = soak.rows[0]!.parts.map((p) => p.label);
    expect(parts).to.have.members(['cc-opaque', 'cc-jwt', 'introspection', 'userinfo', 'refresh', 'login']);
  });

  it('measures the capacity inputs of every request type from Redis counters and the server CPU', () => {
    const capacity = report.scenarios.find((s) => s.name === 'capacity')!;
    const data = capacity.data as { costs: { type: string; units: number; redisCommands: number; commands: Record<string, number>; latchkeyCpuMs: number }[]; records: Record<string, number>; sizing: { plans: unknown[] } };
    expect(data.costs.map((c) => c.type)).to.deep.equal(['cc-opaque', 'cc-jwt', 'introspection', 'userinfo', 'refresh', 'login']);
    for (const cost of data.costs) {
      expect(cost.units, cost.type).to.be.above(0);
      expect(cost.redisCommands, cost.type).to.be.above(0);
    }
    // An opaque token is a record written to Redis; a refresh consumes one with the script.
    expect(data.costs.find((c) => c.type === 'cc-opaque')!.commands, 'cc-opaque').to.have.property('hset');
    expect(data.costs.find((c) => c.type === 'refresh')!.commands, 'refresh').to.have.property('evalsha');
    expect(data.records).to.have.property('Session');
    expect(data.sizing.plans.length).to.be.above(0);
  });

  it('gets only successful answers in both modes', () => {
    for (const scenario of report.scenarios) {
      for (const row of scenario.rows) {
        const where = `${scenario.name}: ${JSON.stringify(row.statuses)}`;
        expect(row.errors, where).to.equal(0);
        for (const key of Object.keys(row.statuses)) {
          const [part, code] = key.split(':') as [string, string];
          expect(code, where).to.match(FLOW_PARTS.has(part) ? /^[23]\d\d$/ : /^2\d\d$/);
        }
      }
    }
  });
});

// --variant: Latchkey again with an experiment preloaded, in the same rounds, and the ratio of
// Latchkey to it (what the experiment turns off costs).
describe('benchmark smoke mode: --variant', function () {
  this.timeout(90_000);
  let dir: string;
  let report: RunReport;
  let output = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-smoke-variant-'));
    ({ report, output } = await runBench(dir, 'variant', ['--smoke', '--scenario', 'cc-opaque', '--target', 'latchkey', '--variant', join(import.meta.dirname, '..', '..', 'bench', 'experiments', 'audit-off.ts')]));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('measures the variant beside Latchkey, named after its file, and reports latchkey ÷ variant', () => {
    const scenario = report.scenarios.find((s) => s.name === 'cc-opaque')!;
    expect(scenario.error, output).to.equal(undefined);
    expect(scenario.rows.map((r) => r.target)).to.deep.equal(['latchkey', 'audit-off']);
    for (const row of scenario.rows) expect(row.errors, row.target).to.equal(0);
    expect(scenario.variants!['audit-off'], output).to.be.above(0);
    expect(output).to.match(/audit-off\s+\d+/);
  });
});

// bench/experiments/usage-off.ts swaps server/account/usage.ts for a wrapper through a resolve
// hook: in a process that preloads it, recording last use writes nothing, reading still works.
describe('bench experiment usage-off', function () {
  this.timeout(30_000);
  it('makes granted() and introspected() record nothing', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const script = `
      const { grantUsage } = await import(${JSON.stringify(join(root, 'server', 'account', 'usage.ts'))});
      const writes = [];
      const records = { upsert: async (...a) => { writes.push(a[0]); }, find: async () => ({ lastUsedAt: 1 }) };
      const usage = grantUsage(records, () => undefined, 60, { warn() {} });
      usage.granted({ ip: '127.0.0.1', body: {}, oidc: { entities: { Grant: { jti: 'g1' } }, params: {} } });
      usage.introspected('g1');
      const read = await usage.get('g1');
      process.stdout.write(JSON.stringify({ writes: writes.length, read }));`;
    const run = (preload: string[]) =>
      new Promise<{ writes: number; read: unknown }>((resolve, reject) => {
        let out = '';
        const child = spawn(process.execPath, [...preload, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}: ${out}`))));
      });
    // Without the experiment the same calls write the grant's usage: the test sees the difference.
    expect((await run([])).writes).to.equal(1);
    const off = await run(['--import', join(root, 'bench', 'experiments', 'usage-off.ts')]);
    expect(off.writes).to.equal(0);
    expect(off.read).to.deep.equal({ lastUsedAt: 1 });
  });
});
