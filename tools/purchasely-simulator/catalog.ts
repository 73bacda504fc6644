/** The simulated app's products, stores and markets: plausible values shaped like the documented payloads. */

export interface SimulatedPlan {
  /** Purchasely plan id (`plan`). */
  id: string;
  /** Price in EUR, the integration currency (`plan_price_in_eur`). */
  priceEur: number;
  /** Renewal period in days. */
  periodDays: number;
}

export const PRODUCT = 'PURCHASELY_PLUS';
export const APP_BUNDLE_ID = 'com.purchasely.demo';

export const PLANS: readonly SimulatedPlan[] = [
  { id: 'weekly', priceEur: 2.99, periodDays: 7 },
  { id: 'monthly', priceEur: 9.99, periodDays: 30 },
  { id: 'yearly', priceEur: 59.99, periodDays: 365 },
];

export const PLAN_WEIGHTS: readonly (readonly [SimulatedPlan, number])[] = [
  [PLANS[0]!, 0.15],
  [PLANS[1]!, 0.6],
  [PLANS[2]!, 0.25],
];

export type SimulatedStore = 'APPLE_APP_STORE' | 'GOOGLE_PLAY_STORE' | 'STRIPE';

export const STORE_WEIGHTS: readonly (readonly [SimulatedStore, number])[] = [
  ['APPLE_APP_STORE', 0.55],
  ['GOOGLE_PLAY_STORE', 0.4],
  ['STRIPE', 0.05],
];

/** Country → customer currency and a rough EUR exchange rate. */
export const MARKETS: readonly { country: string; currency: string; perEur: number }[] = [
  { country: 'FR', currency: 'EUR', perEur: 1 },
  { country: 'DE', currency: 'EUR', perEur: 1 },
  { country: 'ES', currency: 'EUR', perEur: 1 },
  { country: 'US', currency: 'USD', perEur: 1.08 },
  { country: 'GB', currency: 'GBP', perEur: 0.86 },
  { country: 'BR', currency: 'BRL', perEur: 5.4 },
  { country: 'JP', currency: 'JPY', perEur: 160 },
];

export type SimulatedOffer = 'NONE' | 'FREE_TRIAL' | 'INTRO_OFFER' | 'PROMO_CODE' | 'PROMOTIONAL_OFFER';

/**
 * The offer of a first purchase. Promotional offers are absent: the stores grant them only to
 * current or lapsed subscribers, so the generator offers them later, to keep someone who
 * switched auto-renewal off (lifecycle.ts).
 */
export const OFFER_WEIGHTS: readonly (readonly [SimulatedOffer, number])[] = [
  ['NONE', 0.4],
  ['FREE_TRIAL', 0.4],
  ['INTRO_OFFER', 0.15],
  ['PROMO_CODE', 0.05],
];

/** The offer events' prefix (`TRIAL_STARTED`, `INTRO_OFFER_CONVERTED`, …). */
export const OFFER_EVENT_PREFIX: Record<Exclude<SimulatedOffer, 'NONE'>, string> = {
  FREE_TRIAL: 'TRIAL',
  INTRO_OFFER: 'INTRO_OFFER',
  PROMO_CODE: 'PROMO_CODE',
  PROMOTIONAL_OFFER: 'PROMOTIONAL_OFFER',
};

/** `promotional_offer_id` of the retention offers (each half price for one period). */
export const PROMOTIONAL_OFFER_IDS = ['promo_retention_50', 'promo_winback_50'] as const;

/** A one-time purchase of the simulated app (`purchase_type` CONSUMABLE or NON_CONSUMABLE). */
export interface SimulatedOneTimeItem {
  purchaseType: 'CONSUMABLE' | 'NON_CONSUMABLE';
  /** Purchasely product (`product`). */
  product: string;
  /** Purchasely plan id (`plan`). */
  plan: string;
  storeProductId: string;
  priceEur: number;
}

/** Coin packs: bought any number of times, never taken back. */
export const CONSUMABLES: readonly SimulatedOneTimeItem[] = [
  { purchaseType: 'CONSUMABLE', product: 'COINS', plan: 'coins_100', storeProductId: 'com.purchasely.coins100', priceEur: 0.99 },
  { purchaseType: 'CONSUMABLE', product: 'COINS', plan: 'coins_500', storeProductId: 'com.purchasely.coins500', priceEur: 3.99 },
];

/** A lifetime unlock: bought once, may be refunded or transferred. */
export const NON_CONSUMABLES: readonly SimulatedOneTimeItem[] = [
  { purchaseType: 'NON_CONSUMABLE', product: 'PREMIUM_LIFETIME', plan: 'lifetime', storeProductId: 'com.purchasely.premium.lifetime', priceEur: 149.99 },
];

export const DEVICE_TYPES = ['PHONE', 'PHONE', 'PHONE', 'PAD', 'TV', 'COMPUTER'] as const;
