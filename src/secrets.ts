import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Encrypts secrets at rest with AES-256-GCM. The stored form is `v1:<base64(iv ‖ tag ‖ ciphertext)>`;
 * the version prefix leaves room for key rotation later.
 */
export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(stored: string): string;
  /** Keyed hash for values that are only ever compared, never read back (SDK keys). */
  digest(value: string): string;
  /** Fingerprint kept in the database so an instance with another key refuses to start. */
  readonly fingerprint: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  const encKey = createHmac('sha256', key).update('pcbridge/encrypt').digest();
  const macKey = createHmac('sha256', key).update('pcbridge/digest').digest();
  return {
    fingerprint: createHmac('sha256', key).update('pcbridge/fingerprint').digest('hex').slice(0, 32),
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
    },
    decrypt(stored) {
      if (!stored.startsWith('v1:')) throw new Error('unknown secret format');
      const raw = Buffer.from(stored.slice(3), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
    digest(value) {
      return createHmac('sha256', macKey).update(value).digest('hex');
    },
  };
}

export function generateSecretKey(): Buffer {
  return randomBytes(32);
}

/** Random, URL-safe token with a readable prefix (e.g. `pcb_admin_…`, `pcb_sdk_…`). */
export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  // Hash first so both buffers have the same length whatever the inputs.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
