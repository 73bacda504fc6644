import AjvCompiler from '@fastify/ajv-compiler';

/** Ajv options of every request part (Fastify's defaults, but every error reported and no field dropped). */
export const AJV_OPTIONS = { allErrors: true, removeAdditional: false, useDefaults: true } as const;

/**
 * Fastify's default validators with one difference: a JSON body is taken as it is, never coerced
 * (`{"secret": 12345}` is a number, so a 422, not the string "12345"), while the path, query
 * string and headers — text on the wire — are still read as the integers and booleans their
 * schemas declare (`?limit=10`, `?force=true`). Fastify's Ajv coerces every part alike, so each
 * kind gets an Ajv instance of its own (both from Fastify's own compiler pool, with the shared
 * schemas added to each).
 */
export function createValidatorFactory(): AjvCompiler.ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    const plugins = options?.plugins ?? [];
    const forBody = pool(externalSchemas, { plugins, customOptions: { ...AJV_OPTIONS, coerceTypes: false } });
    const forText = pool(externalSchemas, { plugins, customOptions: { ...AJV_OPTIONS, coerceTypes: 'array' } });
    return (route) => (route.httpPart === 'body' ? forBody(route) : forText(route));
  };
}
