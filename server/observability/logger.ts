// JSON logs with pino. Code never logs secrets; two lines of defence for when an object carrying
// one slips into a log call anyway:
// - errors are logged by what they are (type, message, code, status, stack), never by every
//   property they carry: Node's HTTP parser errors carry the raw request bytes (`rawPacket`, with
//   the Authorization header and form passwords), body-parser errors the raw body;
// - these paths are blanked wherever they appear.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../../config/index.ts';

const REDACTED = [
  '*.password',
  '*.client_secret',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.privateJwk',
  // SMTP_URL may carry the SMTP password.
  '*.smtpUrl',
  '*.registration_access_token',
];

interface LoggedError {
  type: string;
  message: string;
  code?: string;
  status?: number;
  stack?: string;
  cause?: LoggedError;
}

/** An error as it is logged: what it is and where it came from, nothing it carries. */
export function loggedError(value: unknown, depth = 0): LoggedError | unknown {
  if (!(value instanceof Error)) return value;
  const e = value as Error & { code?: unknown; status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  // A client's malformed request: its message and code say all there is to say.
  const clientFault = (typeof e.code === 'string' && e.code.startsWith('HPE_')) || (status !== undefined && status < 500);
  return {
    type: e.name,
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(clientFault ? {} : { stack: e.stack }),
    ...(e.cause !== undefined && depth < 3 ? { cause: loggedError(e.cause, depth + 1) as LoggedError } : {}),
  };
}

export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'latchkey' },
      serializers: { err: loggedError, error: loggedError },
      redact: { paths: REDACTED, censor: '[redacted]' },
    },
    destination,
  );
}
