// Signing in: the whole authorization code + PKCE flow through the HTML forms (GET /auth, the
// login page, POST the password, the consent page, POST Allow, the code, POST /token), one
// fresh browser per flow. bcrypt dominates it, so logins/s is compared with what bcrypt alone
// allows on the same CPU, measured in the same run. The login storm checks that bcrypt does not
// hold up the event loop: the token endpoint's p99 while logins pour in.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Flow, flowRequests } from '../flow.ts';
import { measure, percentiles, type Part } from '../load.ts';
import { ratioOf, tokenRequest, type Scenario, type Settings } from '../scenario.ts';
import { OPAQUE_API } from '../fixtures.ts';
import type { Target } from '../servers.ts';

export function loginPart(target: Target, connections: number, overallRate?: number, label = 'login'): Part {
  const { apps, users } = target.fixtures;
  let started = 0;
  let completed = 0;
  let failed = 0;
  let shed = 0;
  let lastError = '';
  let durations: number[] = [];
  let first = 0;
  let last = 0;
  const make = () => {
    const i = started++;
    return new Flow({ target, client: apps[i % apps.length]!, user: users[i % users.length]! });
  };
  const requests = flowRequests(make, (flow) => {
    if (flow.tokens) {
      if (!completed) first = flow.finished!;
      last = flow.finished!;
      completed++;
      durations.push(flow.finished! - flow.started);
    } else if (flow.shed) {
      shed++;
    } else {
      failed++;
      lastError = flow.error ?? '';
    }
  });
  return {
    label,
    connections,
    requests,
    overallRate,
    ok: (status) => status < 400,
    before: () => {
      completed = 0;
      failed = 0;
      shed = 0;
      durations = [];
      first = 0;
      last = 0;
    },
    summary: (seconds) => {
      const { p50, p99 } = percentiles(durations);
      if (failed && lastError) process.stderr.write(`\n${target.name} ${label}: ${failed} flows failed, last: ${lastError}\n`);
      // Between the first and the last completion: flows take seconds, so counting over the
      // whole run would charge the ramp-up and the flows cut off at the end.
      const rate = completed >= 3 && last > first ? ((completed - 1) * 1000) / (last - first) : completed / seconds;
      return { loginsPerSecond: rate, flows: completed, flowP50: Math.round(p50), flowP99: Math.round(p99), flowErrors: failed, flowsShed: shed };
    },
  };
}

export interface BcryptProbe {
  cost: number;
  compareMs: number;
  comparesPerSecond: number;
}

/** bcrypt alone, on the servers' CPU. */
export async function probeBcrypt(cost: number, cpu: string | undefined): Promise<BcryptProbe> {
  const script = join(import.meta.dirname, '..', 'bcrypt-probe.ts');
  const args = [process.execPath, script, String(cost), '8'];
  const child = cpu === undefined ? spawn(args[0]!, args.slice(1)) : spawn('taskset', ['-c', cpu, ...args]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`bcrypt probe failed (${code})`);
  return JSON.parse(out) as BcryptProbe;
}

export const LOGIN_CONNECTIONS = 4;

/** A login takes about a second under load: runs shorter than 15 s would measure mostly edges. */
const longEnough = (settings: Settings): Settings => (settings.smoke ? settings : { ...settings, duration: Math.max(settings.duration, 15) });

const loginsPerSecond = (results: { extra: Record<string, number> }[]) => results.find((r) => r.extra.loginsPerSecond !== undefined)?.extra.loginsPerSecond ?? 0;

export function authCodeScenario(serverCpu: () => string | undefined): Scenario {
  return {
    name: 'authcode-login',
    title: 'authorization_code + PKCE, whole flow with the login form (8 requests, one bcrypt)',
    async run({ targets, settings, progress }) {
      const bcrypt = await probeBcrypt(settings.bcryptCost, serverCpu());
      // Enough browsers at once to keep bcrypt busy on the server's core, not so many that they
      // overflow Latchkey's bounded password queue (which turns the excess away, by design).
      const connections = Math.min(settings.connections, LOGIN_CONNECTIONS);
      const rows = await measure('authcode-login', targets, async (target) => [loginPart(target, connections)], longEnough(settings), progress, loginsPerSecond);
      for (const row of rows) {
        // The row's latency is the whole flow's, not one request's.
        row.p50 = row.extra.flowP50 ?? row.p50;
        row.p99 = row.extra.flowP99 ?? row.p99;
      }
      const notes = [
        `bcrypt cost ${bcrypt.cost} on the server CPU: ${bcrypt.compareMs.toFixed(0)} ms per compare, ${bcrypt.comparesPerSecond.toFixed(2)} compares/s with the thread pool busy (the ceiling for logins/s)`,
        ...rows.map((r) => `${r.target}: ${r.rps.toFixed(2)} logins/s = ${((100 * r.rps) / bcrypt.comparesPerSecond).toFixed(0)}% of bcrypt's ceiling; p50/p99 are of the whole flow`),
      ];
      return { unit: 'logins/s', rows, ratio: ratioOf(rows), notes, data: { bcrypt } };
    },
  };
}

function probePart(target: Target, settings: Settings): Part {
  return {
    label: 'token-probe',
    connections: 2,
    overallRate: settings.smoke ? undefined : 100,
    requests: [tokenRequest(target.fixtures.service, { grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'read' })],
  };
}

export const loginStormScenario: Scenario = {
  name: 'login-storm',
  title: 'token endpoint p99 at 100 req/s, alone and during a login storm',
  async run({ targets, settings, progress }) {
    const once = { ...longEnough(settings), rounds: 1 };
    const idle = await measure('login-storm (probe alone)', targets, async (target) => [probePart(target, settings)], once, progress);
    const storm = await measure(
      'login-storm',
      targets,
      async (target) => [probePart(target, settings), loginPart(target, settings.connections, undefined, 'storm')],
      once,
      progress,
      loginsPerSecond,
    );
    const notes = storm.map((row) => {
      const alone = idle.find((r) => r.target === row.target)!;
      const verdict = row.p99 < 50 ? 'meets' : 'MISSES';
      return `${row.target}: token p99 ${alone.p99} ms alone, ${row.p99} ms during ${row.rps.toFixed(2)} logins/s (${verdict} the < 50 ms target)`;
    });
    // Rows: the probe during the storm (req/s of the probe; latency is what the target is about).
    const rows = storm.map((row) => ({ ...row, rps: row.parts[0]!.rps, extra: { ...row.extra, probeP99Alone: idle.find((r) => r.target === row.target)!.p99 } }));
    return { unit: 'req/s', rows, notes };
  },
};
