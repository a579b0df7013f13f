// /admin/users/access, /revoke-app, /sign-out: what support staff need when a person asks for
// help ("I lost my phone", "I don't recognise this app"): the person's connected apps and
// browser sessions, and taking any of them back, exactly as the person can in the console.
// Each action appears in the person's security activity, saying an administrator did it.
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AccountHoldings } from '../account/holdings.ts';
import type { Activity, ActivityItem } from '../account/activity.ts';
import { normalizeEmail, toView, UserNotFoundError, type User, type Users } from '../accounts/users.ts';
import { readBody } from './body.ts';
import { invalidRequest, notFound } from './errors.ts';

const email = z.string().trim().min(3).max(254);
const id = z.string().min(1).max(200);
const RevokeAppBody = z.strictObject({ email, client: id });
const SignOutBody = z.strictObject({ email, session: id.optional() });
const ResetBody = z.strictObject({ email });

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Removes every second factor of an account; true when it had one (server/mfa/). */
export type ResetSecondFactors = (sub: string, ctx: Context) => Promise<boolean>;

export function peopleRoutes(router: Router, users: Users, people: AccountHoldings, activity: Activity, resetSecondFactors?: ResetSecondFactors): void {
  async function person(address: string): Promise<User> {
    const user = await users.findByEmail(address);
    if (!user) throw new UserNotFoundError(`no user with email ${normalizeEmail(address)}`);
    return user;
  }
  // The person is told, in their own activity; a failure to record it must not undo the action.
  const tell = (sub: string, item: Pick<ActivityItem, 'kind' | 'text' | 'app'>) => activity.record(sub, { ...item, at: Date.now() }).catch(() => undefined);

  router.get('/users/access', async (ctx) => {
    const address = ctx.query.email;
    if (typeof address !== 'string' || !email.safeParse(address).success) throw invalidRequest('email: give one email address (?email=...)');
    const user = await person(address);
    const [apps, sessions] = await Promise.all([people.apps.list(user.sub), people.sessions.list(user.sub)]);
    ctx.body = { user: toView(user), apps, sessions };
  });

  router.post('/users/revoke-app', async (ctx) => {
    const input = readBody(ctx, RevokeAppBody);
    const user = await person(input.email);
    const apps = (await people.apps.list(user.sub)).filter((app) => app.clientId === input.client);
    if (apps.length === 0) throw notFound(`${user.email} has not connected client ${input.client}`);
    let removed = 0;
    for (const app of apps) if (await people.removeApp(user.sub, app.grantId, 'admin')) removed++;
    await tell(user.sub, { kind: 'access.removed', text: `An administrator removed ${apps[0]!.name}'s access to your account`, app: apps[0]!.name });
    ctx.body = { removed, client: input.client };
  });

  // "I lost my phone and my recovery codes": once support staff are sure who is asking, the
  // account signs in with its password alone again, until the person sets up a new factor.
  if (resetSecondFactors) {
    router.post('/users/reset-mfa', async (ctx) => {
      const user = await person(readBody(ctx, ResetBody).email);
      const reset = await resetSecondFactors(user.sub, ctx);
      if (reset) await tell(user.sub, { kind: 'mfa.changed', text: 'An administrator removed your second factors and recovery codes' });
      ctx.body = { reset };
    });
  }

  router.post('/users/sign-out', async (ctx) => {
    const input = readBody(ctx, SignOutBody);
    const user = await person(input.email);
    let signedOut: number;
    if (input.session === undefined) {
      signedOut = await people.sessions.endOthers(user.sub, undefined, 'admin');
    } else {
      if (!(await people.sessions.end(user.sub, input.session, 'admin'))) throw notFound(`${user.email} has no session ${input.session}`);
      signedOut = 1;
    }
    if (signedOut > 0) await tell(user.sub, { kind: 'session.ended', text: `An administrator signed you out of ${plural(signedOut, 'session', 'sessions')}` });
    ctx.body = { signedOut };
  });
}
