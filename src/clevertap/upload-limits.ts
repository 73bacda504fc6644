/**
 * The size limits of one `POST /1/upload`. Apart from the upload client (which loads undici), so
 * code that only cuts batches, such as the claim thread, does not load an HTTP client.
 */

/** CleverTap's documented maximum of records in one upload. */
export const MAX_RECORDS_PER_REQUEST = 1000;
/** pcbridge's own cap on one request body (CleverTap publishes none). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** Bytes of the `{"d":[` + `]}` envelope around the records. */
export const REQUEST_ENVELOPE_BYTES = 8;
