// Development mode seeds a demo account so a newcomer can sign in at once. Refused in
// production by the configuration (DEV_SEED).
import type { Users } from './users.ts';

export const DEMO_EMAIL = 'demo@latchkey.dev';
export const DEMO_PASSWORD = 'latchkey-demo-password';

export async function seedDemo(users: Users): Promise<void> {
  if (await users.findByEmail(DEMO_EMAIL)) return;
  await users.create({ email: DEMO_EMAIL, password: DEMO_PASSWORD, name: 'Demo User', givenName: 'Demo', familyName: 'User', preferredUsername: 'demo', emailVerified: true });
}
