/**
 * Why a webhook was refused: the stable values of `reason` in `GET …/rejections`, from the pure
 * module of src/rejections/ (which imports nothing), so the dashboard can list them without
 * TypeBox.
 */
export { KEEP_PER_BUCKET, REJECTION_REASONS, type RejectionReason } from '../rejections/rejection-reasons.js';
