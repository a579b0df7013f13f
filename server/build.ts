// Wires a Config into a running Latchkey: store, accounts, clients, keys, Provider and app.
// main.ts and the tests both build through here, so tests exercise exactly what ships.
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { createFindAccount } from './accounts/find-account.ts';
import { createPasswords } from './accounts/passwords.ts';
import { createUsers, type Users } from './accounts/users.ts';
import { createApp } from './app.ts';
import { createClientRegistry, type ClientRegistry } from './clients/registry.ts';
import { readClientsFile } from './clients/static-file.ts';
import { createRenderer } from './http/render.ts';
import { createKeystore, type Keystore } from './keys/keystore.ts';
import { createSealedBox } from './keys/sealed-box.ts';
import { createProvider } from './provider/index.ts';
import { graceAwareRefreshTokens } from './provider/refresh-grace.ts';
import { createAdapter, openStore, type Store } from './store/index.ts';

export interface Latchkey {
  app: Koa;
  provider: () => Provider;
  store: Store;
  users: Users;
  clients: ClientRegistry;
  keystore: Keystore;
  close(): Promise<void>;
}

export async function build(config: Config, logger: Logger, options: { store?: Store } = {}): Promise<Latchkey> {
  const store = options.store ?? (await openStore(config.redis, { onError: (err) => logger.warn({ err }, 'redis connection error') }));
  try {
    const box = createSealedBox(config.keysEncryptionKeys);
    const users = createUsers(store.documents, createPasswords(config.bcryptCost));
    const keystore = createKeystore(store.documents, box);
    const jwks = keystore.privateJwks(await keystore.loadOrCreate());
    const staticClients = config.clientsFile ? readClientsFile(config.clientsFile) : [];

    let current: Provider | undefined;
    const provider = () => current!;
    const clients = createClientRegistry(store.documents, box, (metadata) => provider().Client.validate(metadata));
    const oidcAdapter = createAdapter(store.oidc);
    current = createProvider(
      {
        config,
        adapter: (name) => {
          if (name === 'Client') return clients.adapter();
          if (name === 'RefreshToken' && config.refreshTokenReuseGrace > 0) return graceAwareRefreshTokens(oidcAdapter(name));
          return oidcAdapter(name);
        },
        findAccount: createFindAccount(users),
        jwks,
        staticClients,
        render: createRenderer(),
      },
      logger,
    );

    const app = createApp({ config, logger, store, users, clients, keystore, provider, keysLoaded: () => jwks.length > 0 });
    return { app, provider, store, users, clients, keystore, close: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}
