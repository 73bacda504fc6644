/**
 * Options of the CleverTap emulator and their defaults. Faults, latency and the concurrency cap
 * can also be changed while it runs (`POST /_emulator/faults`, `setFaults`).
 */

/** The regions the emulator accepts in `/{region}/1/upload` (CleverTap's documented list). */
export const EMULATOR_REGIONS = ['eu1', 'in1', 'us1', 'sg1', 'aps3', 'mec1', 'sk1'] as const;
export type EmulatorRegion = (typeof EMULATOR_REGIONS)[number];

/** An account the emulator accepts. With `region`, region-scoped URLs must match it. */
export type EmulatorAccount = { accountId: string; passcode: string; region?: EmulatorRegion };

/**
 * Injected failures. Rates are probabilities in [0, 1] drawn once per upload request (they
 * exclude each other, so their sum should stay ≤ 1).
 */
export type EmulatorFaults = {
  /** Share of requests answered 503. */
  errorRate: number;
  /** Share of requests answered 429 even under the concurrency cap. */
  throttleRate: number;
  /** Share of requests never answered (the client times out). */
  timeoutRate: number;
  /** Share of requests whose connection is destroyed without an answer. */
  dropRate: number;
  /** Answer every upload 401, as if the passcode had been revoked. */
  all401: boolean;
  /** `before`: a fault fires before records are stored; `after`: records are stored, then the answer is lost or failed. */
  mode: 'before' | 'after';
};

/** What can be changed at run time. */
export type EmulatorSettings = EmulatorFaults & {
  /** Delay before answering an upload, in ms. */
  latencyMs: number;
  /** Concurrent upload requests per account before 429 (CleverTap: 15). */
  maxConcurrency: number;
};

/** Options of `startClevertapEmulator`. */
export type EmulatorOptions = Partial<EmulatorSettings> & {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** Accounts accepted from the start. */
  accounts?: EmulatorAccount[];
  /** Apply the rules CleverTap's docs do not state (see README); default true. */
  strictInferred?: boolean;
  /**
   * Count accepted records (`stats.records`, the timeline) without keeping them or folding them
   * into profiles: flat memory and no storing work after the latency, for long benchmarks.
   * Default false.
   */
  countOnly?: boolean;
  /** Most properties per event before code 522 (CleverTap's default: 100). */
  maxEventProperties?: number;
  /** Event names discarded in the (emulated) dashboard: code 528. */
  discardedEventNames?: string[];
  /** Source of randomness for faults, in [0, 1); inject for deterministic tests. */
  random?: () => number;
  /** How long a "timeout" fault holds the connection before destroying it (default 10 min). */
  hangMs?: number;
};

export const DEFAULT_SETTINGS: Readonly<EmulatorSettings> = Object.freeze({
  errorRate: 0,
  throttleRate: 0,
  timeoutRate: 0,
  dropRate: 0,
  all401: false,
  mode: 'before',
  latencyMs: 0,
  maxConcurrency: 15,
});

/** Returns a message when a settings patch is invalid, else null. */
export function checkSettingsPatch(patch: Record<string, unknown>): string | null {
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case 'errorRate':
      case 'throttleRate':
      case 'timeoutRate':
      case 'dropRate':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1)) return `${key} must be a number between 0 and 1`;
        break;
      case 'all401':
        if (typeof value !== 'boolean') return 'all401 must be true or false';
        break;
      case 'mode':
        if (value !== 'before' && value !== 'after') return 'mode must be "before" or "after"';
        break;
      case 'latencyMs':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return 'latencyMs must be a whole number ≥ 0';
        break;
      case 'maxConcurrency':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) return 'maxConcurrency must be a whole number ≥ 1';
        break;
      default:
        return `unknown setting "${key}"`;
    }
  }
  return null;
}

export function isEmulatorRegion(x: unknown): x is EmulatorRegion {
  return typeof x === 'string' && (EMULATOR_REGIONS as readonly string[]).includes(x);
}
