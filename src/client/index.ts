/**
 * pcbridge's client SDK (`pcbridge/client`): set a user's CleverTap ID from an app or its
 * backend, read it back, and Purchasely payload types plus signature verification for
 * anyone who receives Purchasely webhooks themselves. It imports only the API contract
 * (src/contract/), and only its types and pure modules: no server code, no TypeBox at run time.
 */
export { createClient, Attribute, type AttributeName, type ClientOptions, type PcbridgeClient, type UserAttributes } from './client.js';
export { PcbridgeError, PcbridgeUnauthorizedError, PcbridgeValidationError, PcbridgeNotFoundError, PcbridgeNetworkError, type PcbridgeErrorDetail } from './errors.js';
export type { PcbridgeErrorCode } from './errors.js';
export type {
  PurchaselyEventPayload,
  PurchaselyEnvironment,
  PurchaselyStore,
  SubscriptionStatus,
  OfferType,
  PurchaseType,
  DeviceType,
  ParsedEvent,
  ParseResult,
} from '../contract/webhook.js';
export { parsePurchaselyEvent, isRfc3339DateTime } from '../contract/webhook.js';
export {
  verifyPurchaselySignature,
  signPurchaselyRequest,
  type SignatureHeaders,
  type SignatureScheme,
  type SignatureVerdict,
  type VerifySignatureOptions,
} from '../contract/webhook.js';
