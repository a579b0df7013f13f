// A password-guessing attack on one account while its owner signs in: 10,000 wrong passwords
// from 50 addresses (each in a network of its own, X-Forwarded-For through the trusted proxy),
// each address guessing as fast as it is answered and retrying a second after a refusal, while
// the owner signs in every few seconds from a browser that has signed in before (its device
// cookie kept, its session not). Reported: the guesses the server actually checked, per hour;
// the owner's whole sign-in flow p50/p99 during the attack; and whether the owner got in on the
// first password every time. Latchkey only: the baseline has no throttling to compare.
import { createHash, randomBytes } from 'node:crypto';
import { Flow, runFlow } from '../flow.ts';
import { percentiles, type Measured } from '../load.ts';
import { FORM, REDIRECT_URI } from '../fixtures.ts';
import { FORWARDED, type Target } from '../servers.ts';
import type { Scenario } from '../scenario.ts';

const GUESSES = 10_000;
const ADDRESSES = 50;
const OWNER_ADDRESS = '198.51.100.200';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Tally {
  checked: number;
  /** When each checked guess was answered (ms since the attack began). */
  checkedAt: number[];
  refused: number;
  other: number;
  sent: number;
}

/** One attacking address: opens a sign-in page, then posts wrong passwords to it. */
async function attacker(target: Target, address: string, email: string, next: () => number | undefined, tally: Tally, deadline: number): Promise<void> {
  const jar = new Map<string, string>();
  const headers = () => ({ ...FORWARDED, 'x-forwarded-for': address, accept: 'text/html', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') });
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  const client = target.fixtures.apps[0]!;
  async function openForm(): Promise<{ action: string; hidden: Record<string, string> }> {
    const query = new URLSearchParams({
      response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT_URI, scope: 'openid',
      code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'), code_challenge_method: 'S256', state: 's', nonce: 'n',
    });
    let path = `/auth?${query}`;
    for (let hops = 0; hops < 5; hops++) {
      const response = await fetch(`${target.url}${path}`, { headers: headers(), redirect: 'manual' });
      keep(response);
      if (response.status >= 300 && response.status < 400) {
        const url = new URL(response.headers.get('location')!, target.issuer);
        path = `${url.pathname}${url.search}`;
        await response.body?.cancel();
        continue;
      }
      const body = await response.text();
      const action = /<form[^>]*\baction="([^"]+)"/.exec(body)?.[1];
      if (!action) throw new Error(`attack: no login form (${response.status}): ${body.slice(0, 200)}`);
      const hidden: Record<string, string> = {};
      for (const m of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) hidden[m[1]!] = m[2]!;
      return { action, hidden };
    }
    throw new Error('attack: too many redirects');
  }
  let form = await openForm();
  let guess = next();
  while (guess !== undefined && Date.now() < deadline) {
    tally.sent++;
    const response = await fetch(`${target.url}${form.action}`, {
      method: 'POST',
      headers: { ...headers(), ...FORM },
      body: new URLSearchParams({ ...form.hidden, email, password: `wrong guess ${guess}` }),
      redirect: 'manual',
    });
    keep(response);
    await response.text();
    if (response.status === 401) {
      tally.checked++;
      tally.checkedAt.push(Date.now());
      guess = next();
    } else if (response.status === 429) {
      tally.refused++;
      await sleep(Math.min(1_000, Number(response.headers.get('retry-after') ?? 1) * 1000));
    } else {
      tally.other++;
      form = await openForm();
    }
  }
}

export const attackScenario: Scenario = {
  name: 'attack',
  title: `password guessing on one account (${GUESSES} guesses from ${ADDRESSES} addresses) while its owner signs in from a known browser`,
  async run({ targets, settings, progress }) {
    const target = targets.find((t) => t.name === 'latchkey');
    if (!target) return { unit: '', rows: [], notes: ['needs the latchkey target'] };
    // An account of its own: no other scenario's sign-ins share its counters.
    const owner = target.fixtures.owner;
    const client = target.fixtures.apps[0]!;
    const seconds = settings.smoke ? 3 : Math.max(30, settings.duration * 6);
    const ownerEveryMs = settings.smoke ? 500 : 2_000;

    // The owner has signed in from this browser before: it keeps its device cookie.
    const first = await runFlow({ target, client, user: owner, headers: { 'x-forwarded-for': OWNER_ADDRESS } });
    if (!first.tokens) throw new Error(`attack: the owner's first sign-in failed: ${first.error}`);
    const device = [...first.jar].filter(([name]) => name.includes('latchkey-device'));

    const tally: Tally = { checked: 0, checkedAt: [], refused: 0, other: 0, sent: 0 };
    let handed = 0;
    const next = () => (handed < GUESSES ? handed++ : undefined);
    const started = Date.now();
    const deadline = started + seconds * 1000;
    progress(`attack: ${ADDRESSES} addresses guessing for ${seconds} s`, true);
    const attack = Promise.all(Array.from({ length: ADDRESSES }, (_, i) => attacker(target, `203.0.${i}.10`, owner.email, next, tally, deadline)));

    const flows: Flow[] = [];
    while (Date.now() < deadline) {
      const flow = await runFlow({ target, client, user: owner, jar: new Map(device), headers: { 'x-forwarded-for': OWNER_ADDRESS } });
      flows.push(flow);
      await sleep(Math.max(0, ownerEveryMs - (flow.finished! - flow.started)));
    }
    await attack;
    const elapsed = (Date.now() - started) / 1000;

    const done = flows.filter((f) => f.tokens);
    const firstTry = done.filter((f) => f.logins === 1).length;
    const { p50, p99 } = percentiles(done.map((f) => f.finished! - f.started));
    const perHour = (tally.checked / elapsed) * 3600;
    // Past the first half, free allowances are spent: what an attack that keeps going gets.
    const halfway = started + (elapsed * 1000) / 2;
    const steadyPerHour = (tally.checkedAt.filter((at) => at >= halfway).length / (elapsed / 2)) * 3600;
    const row: Measured = {
      target: 'latchkey',
      rps: done.length / elapsed,
      rounds: [done.length / elapsed],
      p50: Math.round(p50),
      p99: Math.round(p99),
      errors: flows.length - done.length,
      statuses: { 'owner:200': done.length },
      parts: [],
      extra: { guessesChecked: tally.checked, guessesPerHour: Math.round(perHour), steadyGuessesPerHour: Math.round(steadyPerHour), refused: tally.refused, otherAnswers: tally.other, ownerFlows: flows.length, ownerFirstTry: firstTry },
    };
    return {
      unit: 'owner sign-ins/s',
      rows: [row],
      notes: [
        `attacker: ${tally.sent} attempts in ${elapsed.toFixed(0)} s, ${tally.checked} passwords checked (${Math.round(perHour)} guesses/hour over the run, ${Math.round(steadyPerHour)}/hour in its second half), ${tally.refused} refused (429), ${tally.other} other answers; at the second half's rate ${GUESSES} guesses take ${steadyPerHour ? (GUESSES / steadyPerHour).toFixed(1) : '∞'} hours`,
        `owner (known browser): ${firstTry}/${flows.length} sign-ins got in on the first password; whole flow p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms during the attack`,
      ],
      data: { seconds: elapsed, checked: tally.checked, refused: tally.refused, other: tally.other, sent: tally.sent, guessesPerHour: perHour, steadyGuessesPerHour: steadyPerHour, ownerFlows: flows.length, ownerFirstTry: firstTry, ownerP50: p50, ownerP99: p99 },
    };
  },
};
