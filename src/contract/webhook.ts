/**
 * The webhook's side of the contract: the Purchasely payload `POST /webhooks/purchasely/{appId}`
 * accepts, its parser (the quarantine rules) and the request signature. Re-exported from
 * src/purchasely/, whose payload and signature modules import nothing but each other's pure
 * helpers and `node:crypto`, so the client SDK ships them without server code.
 */
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
