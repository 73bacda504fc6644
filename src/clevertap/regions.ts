/**
 * CleverTap data-centre regions and the upload URL for each.
 *
 * The region decides the host; an account only exists in one region, so sending to the wrong
 * host answers 401 like a wrong passcode does.
 */

/** Every region CleverTap documents, in the order the dashboard lists them. */
export const REGIONS = ['eu1', 'in1', 'us1', 'sg1', 'aps3', 'mec1', 'sk1'] as const;

/** One CleverTap region value, e.g. `eu1`. */
export type Region = (typeof REGIONS)[number];

/** Plain-English names, for messages and the dashboard. */
export const REGION_LABELS: Readonly<Record<Region, string>> = {
  eu1: 'Europe',
  in1: 'India',
  us1: 'United States',
  sg1: 'Singapore',
  aps3: 'Indonesia',
  mec1: 'Middle East (UAE)',
  sk1: 'South Korea',
};

/** True when `x` is one of {@link REGIONS}. */
export function isRegion(x: unknown): x is Region {
  return typeof x === 'string' && (REGIONS as readonly string[]).includes(x);
}

/** The API host of a region, e.g. `eu1.api.clevertap.com`. */
export function regionHost(region: Region): string {
  return `${region}.api.clevertap.com`;
}

/**
 * The base URL (no trailing slash) for a region: `https://<region>.api.clevertap.com`, or the
 * override (`PCBRIDGE_CLEVERTAP_BASE_URL`) with every `{region}` replaced by the region.
 */
export function baseUrl(region: Region, baseUrlOverride?: string): string {
  if (baseUrlOverride === undefined || baseUrlOverride === '') return `https://${regionHost(region)}`;
  return baseUrlOverride.replaceAll('{region}', region).replace(/\/+$/, '');
}

/** The full upload URL for a region, ending in `/1/upload`. */
export function uploadUrl(region: Region, baseUrlOverride?: string): string {
  return `${baseUrl(region, baseUrlOverride)}/1/upload`;
}

/**
 * True when the override sends every region to one place (no `{region}` in it), so asking
 * another region about credentials would only ask the same server again.
 */
export function overrideIgnoresRegion(baseUrlOverride?: string): boolean {
  return baseUrlOverride !== undefined && baseUrlOverride !== '' && !baseUrlOverride.includes('{region}');
}
