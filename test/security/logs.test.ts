// Requests that break off or that the HTTP parser refuses are logged by what went wrong, never
// with the bytes they carried: Node attaches the raw request (Authorization header, form
// passwords) to its parser errors, and a logger that prints every property prints it too.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { startLatchkey, type Running } from '../support/latchkey.ts';

const SECRET = 'client-secret-that-must-not-leak-0123456789';
const PASSWORD = 'a-password-that-must-not-leak';
const BASIC = Buffer.from(`some-client:${SECRET}`).toString('base64');

function raw(running: Running, bytes: string, { close = true } = {}): Promise<void> {
  const { hostname, port } = new URL(running.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(bytes);
      if (close) setTimeout(() => socket.destroy(), 100);
    });
    socket.on('data', () => {});
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

describe('logs of malformed requests', () => {
  const lines: string[] = [];
  let running: Running;
  before(async () => {
    running = await startLatchkey({ logs: { write: (line: string) => void lines.push(line) } });
  });
  after(() => running.stop());

  it('carry the error, never the Authorization header, the secret or a form password', async () => {
    const host = new URL(running.url).host;
    const head = (path: string, extra: string) => `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Basic ${BASIC}\r\nContent-Type: application/x-www-form-urlencoded\r\n${extra}\r\n`;
    const form = `grant_type=client_credentials&client_secret=${SECRET}&password=${PASSWORD}`;
    // A chunked body with a broken chunk: the HTTP parser refuses it mid-body.
    await raw(running, `${head('/token', 'Transfer-Encoding: chunked\r\n')}${form.length.toString(16)}\r\n${form}\r\nZZ\r\n`);
    // A body that breaks off: far less than Content-Length, then the client goes away.
    await raw(running, `${head('/token', `Content-Length: ${form.length + 500}\r\n`)}${form}`);
    await raw(running, `${head('/interaction/some-uid/login', `Content-Length: ${form.length + 500}\r\n`)}${form}`);
    await raw(running, `${head('/admin/users', 'Transfer-Encoding: chunked\r\n')}${form.length.toString(16)}\r\n${form}\r\nZZ\r\n`);
    await sleep(200);

    // Buffers are logged as their bytes ({"type":"Buffer","data":[80,79,…]}): read them back.
    const decoded = (value: unknown): string => {
      if (Array.isArray(value)) return value.map(decoded).join(' ');
      if (value && typeof value === 'object') {
        const { type, data } = value as { type?: unknown; data?: unknown };
        if (type === 'Buffer' && Array.isArray(data)) return Buffer.from(data as number[]).toString('latin1');
        return Object.entries(value).map(([k, v]) => `${k} ${decoded(v)}`).join(' ');
      }
      return String(value);
    };
    const text = lines.map((line) => `${line} ${decoded(JSON.parse(line))}`).join('\n');
    expect(text, 'the failures were logged').to.match(/HPE_|aborted|ECONNRESET/);
    for (const secret of [BASIC, SECRET, PASSWORD]) expect(text.includes(secret), `${secret.slice(0, 10)}… in the logs`).to.equal(false);
  });
});
