export { mapEventRecord, recordTimestamp } from './map-event-record.js';
export { mapProfileRecord, toProfileData } from './map-profile-record.js';
export { chargedSkipNote, mapChargedRecord, REVENUE_EVENT } from './map-charged-record.js';
export { planEvent, type PlanEventInput, type EventPlan } from './plan-event.js';
export { flattenPayload, sanitizeKey, EXCLUDED_ATTRIBUTES } from './flatten-payload.js';
export { formatCleverTapDate, parseRfc3339 } from './clevertap-date.js';
export type { PlannedRecord, RecordKind, RecordTarget, SkipReason, ProfileChange, UserProperties } from './types.js';
