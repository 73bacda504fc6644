import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';

/** Failed authentications one source address may make per window before it is throttled. */
export const AUTH_FAILURE_LIMIT = 20;
/** The window, fixed from an address's first failure. */
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Addresses remembered at once (least recently seen forgotten first). */
const ADDRESSES_TRACKED = 10_000;

/**
 * Counts failed authentications (wrong admin token, wrong login token, wrong SDK key) per
 * source address: `request.ip`, which follows X-Forwarded-For only when PCBRIDGE_TRUST_PROXY
 * says so; IPv6 addresses count per /64. In this process's memory: each instance counts its own.
 */
export interface AuthFailureLimiter {
  /**
   * Throws 429 `rate_limited` (with Retry-After) when the address is throttled. Called before
   * any credential is looked at, so a throttled guess — right or wrong — learns nothing.
   */
  check(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Counts one failed authentication against the address. */
  record(request: FastifyRequest): Promise<void>;
}

/** Registers @fastify/rate-limit on no route of its own and returns the limiter built on its store. */
export async function registerAuthFailureLimit(app: FastifyInstance): Promise<AuthFailureLimiter> {
  await app.register(rateLimit, { global: false, cache: ADDRESSES_TRACKED });
  const limit = app.createRateLimit({ max: AUTH_FAILURE_LIMIT, timeWindow: AUTH_FAILURE_WINDOW_MS });
  return {
    async check(request, reply) {
      const state = await limit(request, { increment: false });
      if (state.isAllowed || state.remaining > 0) return;
      reply.header('retry-after', String(Math.max(1, state.ttlInSeconds)));
      throw new AppError('rate_limited', 'Too many failed authentication attempts from this address; retry after the time in Retry-After.');
    },
    async record(request) {
      await limit(request);
    },
  };
}
