/**
 * pcbridge's client SDK (`pcbridge/client`): set a user's CleverTap ID from an app or its
 * backend, read it back, and Purchasely payload types plus signature verification for
 * anyone who receives Purchasely webhooks themselves. No server code is imported here.
 */
export { createClient, Attribute, type AttributeName, type ClientOptions, type PcbridgeClient, type UserAttributes } from './client.js';
export {
  PcbridgeError,
  PcbridgeUnauthorizedError,
  PcbridgeValidationError,
  PcbridgeNotFoundError,
  PcbridgeNetworkError,
  type PcbridgeErrorDetail,
} from './errors.js';
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
} from '../purchasely/payload.js';
export { parsePurchaselyEvent, isRfc3339DateTime } from '../purchasely/payload.js';
export {
  verifyPurchaselySignature,
  signPurchaselyRequest,
  type SignatureHeaders,
  type SignatureScheme,
  type SignatureVerdict,
  type VerifySignatureOptions,
} from '../purchasely/signature.js';
