// The console's relying-party side: openid-client (the certified client library), talking to this
// very server without the network. A deployment's public issuer URL is often not reachable from
// inside it (a TLS proxy in front, hairpin NAT), so every request the client library makes is
// handed straight to the app's own request handler (light-my-request injects it in process), as
// if it had come through the proxy: the issuer's Host and, for an https issuer, X-Forwarded-Proto.
import type { IncomingMessage, ServerResponse } from 'node:http';
import inject from 'light-my-request';
import * as oidc from 'openid-client';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface SelfClient {
  configuration(): Promise<oidc.Configuration>;
}

export function selfClient(issuer: string, clientId: string, secret: string, handler: () => Handler): SelfClient {
  const { host, protocol } = new URL(issuer);
  const forwarded: Record<string, string> = protocol === 'https:' ? { 'x-forwarded-proto': 'https' } : {};

  const fetchInProcess: oidc.CustomFetch = async (url, options) => {
    const target = new URL(url);
    const headers: Record<string, string> = { ...(options.headers as Record<string, string>), host, ...forwarded };
    const body = options.body === undefined || options.body === null ? undefined : String(options.body);
    const response = await inject(handler(), {
      method: (options.method ?? 'GET') as 'GET' | 'POST',
      url: `${target.pathname}${target.search}`,
      headers,
      ...(body === undefined ? {} : { payload: body }),
      remoteAddress: '127.0.0.1',
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) responseHeaders.append(name, String(v));
    }
    return new Response(response.rawPayload.length ? new Uint8Array(response.rawPayload) : null, { status: response.statusCode, headers: responseHeaders });
  };

  let configuration: Promise<oidc.Configuration> | undefined;
  return {
    configuration() {
      configuration ??= oidc
        .discovery(new URL(issuer), clientId, secret, oidc.ClientSecretBasic(secret), {
          [oidc.customFetch]: fetchInProcess,
          // The issuer may be http in development; nothing here leaves the process anyway.
          execute: [oidc.allowInsecureRequests],
        })
        .then((config) => {
          config[oidc.customFetch] = fetchInProcess;
          return config;
        })
        .catch((error: unknown) => {
          configuration = undefined;
          throw error;
        });
      return configuration;
    },
  };
}
