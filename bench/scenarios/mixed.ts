// A production-like mix: mostly refresh and introspection (closed loop, as fast as answered),
// with a trickle of logins (one browser at about one login per second).
import { measure } from '../load.ts';
import { ratioOf, type Scenario } from '../scenario.ts';
import { introspectionPart } from './endpoints.ts';
import { loginPart } from './login.ts';
import { refreshPart } from './refresh.ts';

export const mixedScenario: Scenario = {
  name: 'mixed',
  title: 'mixed: refresh + introspection, ~1 login/s',
  async run({ targets, settings, progress, pools, redis }) {
    const half = Math.max(1, Math.floor(settings.connections / 2));
    const rows = await measure(
      'mixed',
      targets,
      async (target) => [
        refreshPart(target, pools(target), half, redis),
        await introspectionPart(target, pools(target), settings, half),
        // 8 requests per flow: ~1 login/s.
        loginPart(target, 1, settings.smoke ? undefined : 8),
      ],
      settings,
      progress,
    );
    const notes = rows.map(
      (row) => `${row.target}: ${row.parts.map((p) => `${p.label} ${p.rps.toFixed(0)}/s (p99 ${p.p99} ms)`).join(', ')}`,
    );
    return { unit: 'req/s', rows, ratio: ratioOf(rows), notes };
  },
};
