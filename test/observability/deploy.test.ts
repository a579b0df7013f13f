// The files under deploy/ stay true to the metrics Latchkey exposes: Prometheus' promtool checks
// the alert rules, and every metric the rules and the Grafana dashboard name is one /metrics has.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { startLatchkey } from '../support/latchkey.ts';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');
const TOKEN = 'metrics-token-for-the-tests-0123456789abcdef';

/** Metric names an expression uses: latchkey_* identifiers, without histogram suffixes. */
const namesIn = (text: string) => new Set([...text.matchAll(/\blatchkey_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, '')));

describe('deploy/', () => {
  it('has alert rules promtool accepts', () => {
    const check = spawnSync('promtool', ['check', 'rules', join(DEPLOY, 'prometheus', 'latchkey-alerts.yml')], { encoding: 'utf8' });
    expect(check.error, 'promtool (Debian package prometheus) must be installed').to.equal(undefined);
    expect(check.status, `${check.stdout}${check.stderr}`).to.equal(0);
    expect(check.stdout).to.match(/SUCCESS: \d+ rules found/);
  });

  it('names in its rules and dashboard only metrics that /metrics exposes', async () => {
    const running = await startLatchkey({ env: { METRICS_TOKEN: TOKEN } });
    try {
      const exposition = await (await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      // Declared families (# TYPE lines), whether or not they have a sample yet.
      const exposed = new Set([...exposition.matchAll(/^# TYPE (latchkey_[a-z0-9_]+) /gm)].map(([, name]) => name!));
      const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'latchkey-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
      const used = new Set([
        ...namesIn(readFileSync(join(DEPLOY, 'prometheus', 'latchkey-alerts.yml'), 'utf8')),
        ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...namesIn(t.expr)])),
      ]);
      expect(used.size).to.be.greaterThan(10);
      expect([...used].filter((name) => !exposed.has(name))).to.deep.equal([]);
      // Every instance reports the same deployment-wide sessions estimate: summing the instances
      // would count each session once per instance.
      const sessionExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).filter((expr) => expr.includes('latchkey_sessions_active'));
      expect(sessionExprs).to.have.length.greaterThan(0);
      for (const expr of sessionExprs) expect(expr, expr).to.match(/^max\(latchkey_sessions_active\{/);
    } finally {
      await running.stop();
    }
  });
});
