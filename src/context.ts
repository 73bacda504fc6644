import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { SecretBox } from './secrets.js';
import type { Store } from './store/store.js';

/** Everything a part of the service needs, passed explicitly: no module-level singletons. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly secrets: SecretBox;
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** Identifies this process in leases (hostname:pid:random). */
  readonly instanceId: string;
}

/** A background loop (processing, delivery, probes) that stops cleanly on shutdown. */
export interface BackgroundWorker {
  readonly name: string;
  stop(): Promise<void>;
}
