// Wires a Config into a running Latchkey: store, accounts, clients, keys, Provider and app.
// main.ts and the tests both build through here, so tests exercise exactly what ships.
import type Koa from 'koa';
import type { ClientMetadata, default as Provider } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.ts';
import { createFindAccount } from '../accounts/find-account.ts';
import { createPasswords } from '../accounts/passwords.ts';
import { createUsers, userDocument, type Users } from '../accounts/users.ts';
import { createApp } from './app.ts';
import { createApiRegistry, type ApiRegistry } from '../apis/registry.ts';
import { createClientRegistry, type ClientRegistry } from '../clients/registry.ts';
import { activityNotes, storedActivity, type Activity } from '../account/activity.ts';
import { describePlace, placeOf } from '../account/places.ts';
import { describeUserAgent, parseUserAgent } from '../http/user-agent.ts';
import { consoleClient, CONSOLE_CLIENT_ID } from '../account/console-client.ts';
import { accountHoldings, type AccountHoldings } from '../account/holdings.ts';
import { sessionInfos } from '../account/session-info.ts';
import { grantUsage } from '../account/usage.ts';
import { checkClient, clientProblems } from '../clients/policy.ts';
import { PolicyError, StoreUnavailableError } from '../errors.ts';
import { sharedGeo } from '../geo/shared.ts';
import { readClientsFile } from '../clients/static-file.ts';
import { createRenderer } from '../http/render.ts';
import { providerPages } from '../interactions/provider-pages.ts';
import type { StoredKeyset } from '../keys/keyset.ts';
import { createKeyManager, type KeyManager } from '../keys/manager.ts';
import { longestSignedSeconds, rotationPolicy } from '../keys/rotation-policy.ts';
import { createKeystore, type Keystore } from '../keys/keystore.ts';
import { createSealedBox } from '../crypto/sealed-box.ts';
import { createLiveProvider, type LiveProvider } from '../provider/current.ts';
import { createProvider } from '../provider/index.ts';
import { graceAwareRefreshTokens } from '../provider/refresh-grace.ts';
import { openStore, type Store } from '../store/index.ts';
import { storeLogging } from '../observability/store-outage.ts';
import { logProviderRefusals } from '../observability/refusals.ts';
import { createAdapter } from '../provider/adapter.ts';
import { protectRecords, type ProtectedRecords } from '../provider/records.ts';
import { createRevocation, type Revocation } from '../provider/revocation.ts';
import { createRecordProtection } from '../crypto/record-protection.ts';
import type { AuditTrail } from '../audit/trail.ts';
import { observe } from './observe.ts';
import { introspectionEvent } from '../audit/provider-events.ts';
import { createMail, type Mail } from '../mail/index.ts';
import { createNotify, mailPreferences, type Notify, type Preferences } from '../lifecycle/index.ts';
import { riskEngine, type RiskEngine } from '../risk/engine.ts';
import { riskOptions } from '../risk/options.ts';
import { riskHistoryStore } from '../risk/store.ts';
import { createFactors, type Factors } from '../mfa/factors.ts';
import { secondFactorNeeded } from '../mfa/policy.ts';
import { ACR_MFA } from '../../config/authentication.ts';
import { clientRequiresMfa } from '../provider/mfa-client-policy.ts';
import { sessionAcr } from '../provider/internals.ts';
import type { StepUp } from '../provider/interaction-policy.ts';

export interface Latchkey {
  app: Koa;
  /** The admin API on its own listener (ADMIN_LISTEN); undefined when it is on the public one. */
  adminApp?: Koa;
  /** The Provider in use: rebuilt, never mutated, when the signing keyset changes. */
  provider: () => Provider;
  /** Attaches to every Provider ever built (event listeners): see provider/current.ts. */
  onBuild: LiveProvider['onBuild'];
  store: Store;
  /** oidc-provider's records as stored (names hashed, payloads sealed): for revocation and listings. */
  records: ProtectedRecords;
  /** Ends what an account or a client holds. */
  revocation: Revocation;
  users: Users;
  /** Each person's second factors (mfa/factors.ts). */
  factors: Factors;
  clients: ClientRegistry;
  apis: ApiRegistry;
  /** The people's own recent events, for the account console. */
  activity: Activity;
  /** What each person holds (apps, sessions) and taking it back. */
  people: AccountHoldings;
  /** Every token, sign-in and admin event, checked and stored (audit/trail.ts). */
  audit: AuditTrail;
  /** The alert rules over the trail, when auditing is on (alerts/runner.ts). */
  alerts?: { poll(): Promise<void> };
  /** The learned risk model at sign-in (risk/engine.ts), unless RISK=false. */
  risk?: RiskEngine;
  /** The webhook sink, when AUDIT_WEBHOOK_URL is set (audit/webhook.ts). */
  webhook?: { poll(): Promise<void>; stop(): Promise<void> };
  keystore: Keystore;
  keys: KeyManager;
  /** The keyset version the current Provider was built from. */
  keysetVersion: () => number;
  /** Outgoing mail: the queue, the transport, development's outbox (server/mail/). */
  mail: Mail;
  /** Security notices by mail: `notify(account, kind, facts)` (lifecycle/notify.ts). */
  notify: Notify;
  /** Which optional notices each person turned off. */
  mailPreferences: Preferences;
  close(): Promise<void>;
}

export async function build(config: Config, logger: Logger, options: { store?: Store } = {}): Promise<Latchkey> {
  // Store errors are counted once the metrics exist (observe() below needs the store first).
  let watch: Awaited<ReturnType<typeof observe>> | undefined;
  const store = options.store ?? (await openStore(config.redis, storeLogging(logger, () => watch?.metrics.storeError())));
  let mail: Mail | undefined;
  // Alerts (made before mail, which needs their audit trail) mail the person once mail exists.
  let notifyLater: Notify | undefined;
  let risk: RiskEngine | undefined;
  try {
    const box = createSealedBox(config.keysEncryptionKeys);
    const users = createUsers(store.documents, createPasswords(config.bcryptCost, config.keysEncryptionKeys));
    const factors = createFactors(store.documents, box, config.keysEncryptionKeys, config.issuer);
    const firstPartyClients = new Set([CONSOLE_CLIENT_ID]);
    // A browser signed in already, by password alone, reaching an app that needs a second factor
    // (mfa/policy.ts): oidc-provider's login prompt asks for it (provider/interaction-policy.ts).
    const stepUp: StepUp = async (ctx) => {
      const sub = ctx.oidc.session?.accountId;
      if (!sub || sessionAcr(ctx) === ACR_MFA || !ctx.oidc.client) return false;
      const answer = secondFactorNeeded({
        account: { hasFactor: (await factors.status(sub)).hasFactor },
        client: { requireMfa: clientRequiresMfa(ctx.oidc.client), firstParty: firstPartyClients.has(ctx.oidc.client.clientId) },
        params: { acr_values: ctx.oidc.params?.acr_values },
        policy: config.mfaPolicy,
      });
      return answer.need !== 'none';
    };
    const keystore = createKeystore(store.documents, box, config.cookieSecrets);
    const clientPolicy = { production: config.env === 'production' };
    // The account console is a static client of its own issuer (account/console-client.ts).
    const console = consoleClient(config.issuer, config.keysEncryptionKeys[0]!);
    const staticClients = [...(config.clientsFile ? readClientsFile(config.clientsFile, clientPolicy) : []), console];
    const render = createRenderer();
    const pages = providerPages(render, config.issuer);

    const live = createLiveProvider();
    const provider = live.current;
    live.onBuild((built) => {
      built.on('server_error', (ctx, err) => {
        logger.error({ err, requestId: ctx.state?.requestId, route: ctx.oidc?.route }, 'oidc-provider server_error');
      });
      logProviderRefusals(built, logger);
    });
    let keyset: StoredKeyset | undefined;
    // Latchkey's rules first, then oidc-provider's own validation of the metadata.
    const clients = createClientRegistry(store.documents, store.events, box, async (metadata) => {
      checkClient(metadata, clientPolicy);
      if (metadata.client_id === CONSOLE_CLIENT_ID) throw new PolicyError(`client_id ${CONSOLE_CLIENT_ID} is Latchkey's own account console; choose another`);
      await provider().Client.validate(metadata);
    });
    const stopFollowingClients = await clients.follow();
    const maxAccessTokenTTL = longestSignedSeconds(config);
    const apis = createApiRegistry(store.documents, store.events, { statics: config.resourceServers, maxAccessTokenTTL });
    await apis.checkStaticApis();
    const stopFollowingApis = await apis.follow();
    const findApi = (identifier: string) => apis.get(identifier);
    const records = protectRecords(store.oidc, createRecordProtection(config.keysEncryptionKeys), { accountDocument: userDocument });
    const oidcAdapter = createAdapter(records);
    const adapter = (name: string) => {
      if (name === 'Client') return clients.adapter();
      if (name === 'RefreshToken' && config.refreshTokenReuseGrace > 0) return graceAwareRefreshTokens(oidcAdapter(name));
      return oidcAdapter(name);
    };
    const findAccount = createFindAccount(users);

    // What the account console shows beside oidc-provider's records: where each session is, when
    // each app last used its access, what happened lately (account/).
    const geo = config.geoip ? await sharedGeo() : undefined;

    // The audit trail, metrics, alerts and the webhook (observe.ts).
    watch = await observe({ config, store, logger, geo, live, keyset: () => keyset, activity: () => activity, mailAlert: (account, message, at) => notifyLater?.(account, 'unusual-access', { detail: message, at }) });
    const { audit, auditor, metrics, alerts, webhook } = watch;
    const infos = sessionInfos(records, () => geo, config.ttl.sessionMax);
    const usage = grantUsage(records, () => geo, config.ttl.grant, logger);
    const revocation = createRevocation(records);
    const holdings = accountHoldings({ provider, records, usage, infos, revocation, apis, logger, auditor });
    const activity = storedActivity(store.feeds);
    const where = (ip: string, userAgent: string | undefined) => ({ device: userAgent ? describeUserAgent(parseUserAgent(userAgent)) : undefined, place: describePlace(placeOf(geo, ip)) });
    const note = activityNotes(activity, where, (err) => logger.warn({ err }, 'could not record an activity item'));
    mail = await createMail(config, store.streams, logger, auditor);
    const preferences = mailPreferences(store.documents);
    const notify = createNotify({ mail, users, preferences, issuer: config.issuer, where, logger });
    notifyLater = notify;
    // Dynamic registration (provider/registration.ts): the same client rules as the admin API's;
    // a client deleted through RFC 7592 takes its grants and tokens with it, as `clients remove`.
    const registration = { problems: (metadata: ClientMetadata) => clientProblems(metadata, clientPolicy), consumeInitialAccessToken: (jti: string) => records.consume('InitialAccessToken', jti) };
    // The risk model's histories and prior, and the thresholds its decisions are made by.
    if (config.risk.enabled) {
      const options = riskOptions({ thresholds: { stepUp: config.risk.stepUp, deny: config.risk.deny } });
      risk = riskEngine(riskHistoryStore(store.risk, store.feeds, options), store.locks, options, (err) =>
        // Redis away is logged once, where the store notices it (observability/store-outage.ts).
        err instanceof StoreUnavailableError ? logger.debug({ err }, 'the risk model could not update its global prior') : logger.warn({ err }, 'the risk model could not update its global prior'),
      );
    }
    live.onBuild((built) => {
      built.on('registration_delete.success', (_ctx, client) => void revocation.client(client.clientId).catch((err: unknown) => logger.warn({ err }, 'could not revoke a deleted client\'s grants')));
      built.on('authorization.success', (ctx) => void infos.seen(ctx).catch((err: unknown) => logger.warn({ err }, 'could not record where a session is')));
      built.on('grant.success', (ctx) => usage.granted(ctx));
    });

    // Everything that can fail on bad keys (a wrong KEYS_ENCRYPTION_KEY) fails here, before the
    // new Provider replaces the one serving requests.
    const providerFor = (keyset: StoredKeyset) =>
      createProvider({ config, adapter, findAccount, jwks: keystore.privateJwks(keyset), cookieKeys: keystore.cookieKeys(keyset), staticClients, findApi, maxAccessTokenTTL, pages, introspected: (ctx, asker, token, allowed) => {
          if (allowed && token.grantId) usage.introspected(token.grantId);
          introspectionEvent(auditor, ctx, asker, token, allowed);
        }, firstPartyClients, stepUp, registration });

    const initial = await keystore.loadOrCreate();
    live.install(providerFor(initial));
    keyset = initial;

    const keys = createKeyManager({
      keystore,
      locks: store.locks,
      events: store.events,
      policy: rotationPolicy(config),
      schedule: config.keys.rotationSchedule,
      pollMs: config.keys.pollSeconds * 1000,
      logger,
      onTransitions: watch.onKeyTransitions,
    });
    const { app, adminApp } = createApp({
      config,
      logger,
      store,
      users,
      factors,
      clients,
      apis,
      keystore,
      keys,
      provider,
      revocation,
      account: { holdings, activity, note, consoleSecret: String(console.client_secret), auditor, risk },
      risk: { engine: risk, geo: () => geo },
      auditor,
      audit,
      metrics,
      keysLoaded: () => (keyset?.keys.length ?? 0) > 0,
      mail,
      notify,
      mailPreferences: preferences,
    });
    // Every kind of mail has its handler now (the app registered them): sending starts.
    mail.queue.start();
    app.keys = keystore.cookieKeys(initial);
    await keys.start(initial, (next) => {
      try {
        live.install(providerFor(next));
        keyset = next;
        app.keys = keystore.cookieKeys(next);
        logger.info({ event: 'keys.loaded', version: next.version, kids: next.keys.map((k) => `${k.kid}:${k.alg}:${k.state}`) }, 'provider rebuilt with the new signing keyset');
      } catch (err) {
        logger.error({ err, version: next.version }, 'cannot use the new signing keyset; still serving with the previous one');
      }
    });

    return {
      app,
      adminApp,
      provider,
      onBuild: live.onBuild,
      store,
      records,
      revocation,
      users,
      factors,
      clients,
      apis,
      activity,
      people: holdings,
      audit,
      alerts,
      risk,
      webhook,
      keystore,
      keys,
      keysetVersion: () => keyset!.version,
      mail,
      notify,
      mailPreferences: preferences,
      async close() {
        await keys.stop();
        await mail?.queue.stop();
        await risk?.stop();
        await watch?.close();
        await stopFollowingClients();
        await stopFollowingApis();
        await store.close();
      },
    };
  } catch (error) {
    await watch?.close().catch(() => undefined);
    await mail?.queue.stop().catch(() => undefined);
    await risk?.stop().catch(() => undefined);
    await store.close();
    throw error;
  }
}
