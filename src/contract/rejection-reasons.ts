/** Why a webhook was refused (issue 14 "Refused requests"); the stable values of `reason`. */
export const REJECTION_REASONS = ['missing_signature', 'bad_signature', 'timestamp_out_of_window', 'legacy_scheme_not_allowed', 'unknown_app', 'payload_too_large'] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Rows kept per app, and for the unknown app ids together (issue 14); the API documents it. */
export const KEEP_PER_BUCKET = 1000;

/** One refused webhook request, as the refusal path hands it over (never its body). */
export interface RefusedRequest {
  /** The app's id; for `unknown_app`, the id the request named (made storable). */
  appId: string;
  /** False when no app has `appId` (the request is kept with the other unknown ids). */
  knownApp: boolean;
  /** The client's address (`request.ip`: the TCP peer, or X-Forwarded-For from a trusted proxy). */
  source: string;
  reason: RejectionReason;
  /** With `timestamp_out_of_window`: the request's timestamp minus this server's clock, in whole seconds (negative: behind). */
  skewSeconds: number | null;
  /** Body size in bytes: as read (401), else as Content-Length announced it (404, 413). */
  size: number;
  /** When it was refused (epoch ms). */
  at: number;
}
