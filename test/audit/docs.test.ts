// docs/audit-events.md is what the catalogue generates: change one without the other and this fails.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { renderAuditDocs } from '../../server/audit/docs.ts';
import { EVENT_DEFINITIONS } from '../../server/audit/catalogue.ts';
import { RULES } from '../../server/alerts/rules/index.ts';

describe('audit events docs', () => {
  const rendered = renderAuditDocs();

  it('docs/audit-events.md is exactly what the catalogue generates (run `npm run docs:audit` after changing it)', () => {
    const file = readFileSync(new URL('../../docs/audit-events.md', import.meta.url), 'utf8');
    expect(file === rendered, 'docs/audit-events.md is stale: run npm run docs:audit').to.equal(true);
  });

  it('documents every event type with its fields and who may see it, and every alert rule', () => {
    for (const definition of EVENT_DEFINITIONS) {
      expect(rendered).to.include(`### \`${definition.type}\``);
      for (const field of Object.keys(definition.schema.shape).filter((f) => !['type', 'version', 'at', 'requestId', 'ip', 'userAgent', 'place', 'actor'].includes(f))) {
        expect(rendered, `${definition.type}.${field}`).to.include(`| \`${field}\` |`);
      }
    }
    expect(rendered).to.include('Who may see it: operators, and the person whose `account` it names — without `reason`, `loginHash`, `risk`, `passkeyFailure`.');
    for (const rule of RULES) expect(rendered).to.include(`| \`${rule.rule}\` | ${rule.severity} |`);
  });

  it('renders the same text every time', () => {
    expect(renderAuditDocs()).to.equal(rendered);
  });
});
