import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import { MAX_ID_LENGTH } from '../contract/index.js';

/**
 * The route side of the contract: the shapes themselves live in src/contract/ (shared with the
 * dashboard and the client SDK); these are re-exported for the routes.
 */
export { AppIdParams, ErrorOut, errorResponses, EventIdParam, EventParams, MAX_ID_LENGTH, UserKeyParam, UserParams } from '../contract/index.js';

/**
 * Fastify's router refuses longer path segments with 414 before any schema runs. It counts the
 * decoded segment, so this only has to exceed MAX_ID_LENGTH: a longer id then gets the schema's
 * 422 naming the parameter, and only absurd segments the 414.
 */
export const MAX_PARAM_LENGTH = 4 * MAX_ID_LENGTH;

/**
 * The Fastify instance every route plugin receives: with TypeBox as its type provider, a
 * handler's `request.params`, `query` and `body` are typed from the route's schemas, and what it
 * returns or sends is checked against its response schemas.
 */
export type TypedFastify = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
