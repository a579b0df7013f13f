// JSON logs with pino. Redaction is a second line of defence: code never logs secrets, but if an
// object carrying one slips into a log call, these paths are blanked.
import { pino, type Logger } from 'pino';
import type { Config } from '../../config/index.ts';

export function createLogger(level: Config['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'latchkey' },
    redact: {
      paths: [
        '*.password',
        '*.client_secret',
        '*.secret',
        '*.token',
        '*.authorization',
        '*.cookie',
        '*.headers.authorization',
        '*.headers.cookie',
        '*.privateJwk',
      ],
      censor: '[redacted]',
    },
  });
}
