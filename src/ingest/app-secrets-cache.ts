import { activeWebhookSecrets } from '../apps/apps-service.js';
import type { AppContext } from '../context.js';
import { isStorableText } from '../purchasely/storable-text.js';

/** What the webhook needs to know about an app to check a signature. */
export interface WebhookApp {
  id: string;
  /** Decrypted active secrets (current, then previous during a rotation). Never logged. */
  secrets: string[];
  toleranceSeconds: number;
  allowLegacy: boolean;
}

export interface AppSecretsCache {
  /** The app, or null when there is no such app. Throws when the store cannot be read. */
  get(appId: string): Promise<WebhookApp | null>;
  /**
   * What `get` would resolve to, without waiting, when the app is loaded and still fresh;
   * undefined when it must be loaded first (never seen, expired, still loading, or failed).
   */
  peek(appId: string): WebhookApp | null | undefined;
  /**
   * Reloads an app now (a signature that failed may have been made with a secret set a moment
   * ago, possibly on another node). At most one reload per app per `minIntervalMs`, so a flood
   * of bad signatures cannot turn into a flood of database reads; resolves to undefined when
   * the reload was skipped for that reason.
   */
  refresh(appId: string, minIntervalMs?: number): Promise<WebhookApp | null | undefined>;
}

interface Entry {
  loadedAt: number;
  value: Promise<WebhookApp | null>;
  /** The value once loaded (the hot path reads it without a promise). */
  loaded?: { app: WebhookApp | null };
}

export interface AppSecretsCacheOptions {
  /** How long a loaded app is trusted; changes made on any node apply within this. */
  ttlMs?: number;
  /** Entries kept at most (one per app id seen, unknown ids included). */
  maxEntries?: number;
  /** Monotonic time source for expiry (not the business clock, which tests may freeze). */
  now?: () => number;
}

/**
 * Keeps each app's decrypted webhook secrets in memory for a couple of seconds, so the hot path
 * does not read the database and run AES-GCM on every request, while a secret set on any node
 * (they share the database) still applies within seconds. Concurrent misses share one load.
 */
export function createAppSecretsCache(ctx: AppContext, opts: AppSecretsCacheOptions = {}): AppSecretsCache {
  const ttlMs = opts.ttlMs ?? 2000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  const lastRefresh = new Map<string, number>();

  function load(appId: string): Entry {
    const entry: Entry = {
      loadedAt: now(),
      // No app id holds a NUL or a lone surrogate, and PostgreSQL would refuse the query (a 500
      // where the SPEC says 404 unknown_app): such an id names no app, without asking the store.
      value: (isStorableText(appId) ? ctx.store.apps.get(appId) : Promise.resolve(null)).then((app) =>
        app ? { id: app.id, secrets: activeWebhookSecrets(ctx, app), toleranceSeconds: app.signatureToleranceSeconds, allowLegacy: app.allowLegacySignatures } : null,
      ),
    };
    entry.value.then(
      (app) => {
        entry.loaded = { app };
      },
      // A failed load (store down) must not be remembered.
      () => {
        if (entries.get(appId) === entry) entries.delete(appId);
      },
    );
    if (entries.size >= maxEntries) entries.clear();
    entries.set(appId, entry);
    return entry;
  }

  return {
    get(appId) {
      const entry = entries.get(appId);
      if (entry && now() - entry.loadedAt < ttlMs) return entry.value;
      return load(appId).value;
    },
    peek(appId) {
      const entry = entries.get(appId);
      if (entry?.loaded && now() - entry.loadedAt < ttlMs) return entry.loaded.app;
      return undefined;
    },
    async refresh(appId, minIntervalMs = 100) {
      const last = lastRefresh.get(appId);
      if (last !== undefined && now() - last < minIntervalMs) return undefined;
      if (lastRefresh.size >= maxEntries) lastRefresh.clear();
      lastRefresh.set(appId, now());
      return load(appId).value;
    },
  };
}
