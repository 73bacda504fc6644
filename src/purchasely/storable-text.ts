/**
 * Text that both stores can hold. PostgreSQL refuses U+0000 (NUL) in any TEXT value
 * (`invalid byte sequence for encoding "UTF8": 0x00`), and a lone UTF-16 surrogate has no UTF-8
 * form at all (drivers silently turn it into U+FFFD on the way in, so the stored text would
 * differ from what processing computed). JSON lets a signed payload carry both (`"\u0000"`,
 * `"\ud800"`), so the parser rewrites them once, and every column, state and record built from
 * the payload agrees.
 *
 * The rule: each NUL and each lone surrogate becomes U+FFFD (the replacement character). One
 * UTF-16 code unit for one, so lengths (and the 256-character id limits) are unchanged; a
 * replaced id stays distinct from the same id without the character.
 *
 * Imports nothing: the client SDK re-exports the parser.
 */

/** The character that replaces what cannot be stored. */
export const REPLACEMENT_CHARACTER = '\ufffd';

// ES2024 string methods: Node 20 has them, the project's TypeScript lib (ES2023) does not list them.
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** True when `text` holds neither NUL nor a lone surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && (text as unknown as WellFormedString).isWellFormed();
}

/** `text` with each NUL and each lone surrogate replaced by U+FFFD (the same string when there is none). */
export function toStorableText(text: string): string {
  if (isStorableText(text)) return text;
  return (text.replaceAll('\u0000', REPLACEMENT_CHARACTER) as unknown as WellFormedString).toWellFormed();
}

// In text decoded from valid UTF-8, JSON.parse can only produce a NUL or a lone surrogate from
// a `\u0000` or `\uD800`–`\uDFFF` escape (a raw NUL is invalid JSON). The test may say yes for
// text that holds neither (an escaped pair, an escaped backslash): the walk then changes nothing.
const MAY_HOLD_UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Whether JSON parsed from `json` may hold unstorable text, by a scan of the text alone, so the
 * common payload is never walked. `wellFormed`: the text came from a UTF-8 decoder (else it is
 * also checked for raw lone surrogates).
 */
export function mayHoldUnstorableText(json: string, wellFormed: boolean): boolean {
  // indexOf is a vectorised scan, several times faster than the regex over the same text.
  return (json.includes('\\u') && MAY_HOLD_UNSTORABLE_ESCAPE.test(json)) || (!wellFormed && !(json as unknown as WellFormedString).isWellFormed());
}

type JsonContainer = Record<string, unknown> | unknown[];

/**
 * Rewrites, in place, every string and every object key in a value that JSON.parse made (no
 * cycles, own plain properties), with an explicit stack: nesting depth is the sender's choice.
 * Returns the value, or its replacement when the root's own keys had to change. Two keys that
 * become equal keep the later value, as a duplicate key in JSON does.
 */
export function toStorableJson<T>(value: T): T {
  if (typeof value === 'string') return toStorableText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  const root = withStorableKeys(value as JsonContainer);
  const stack: JsonContainer[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = storableChild(node[i], stack);
    } else {
      for (const key of Object.keys(node)) {
        const child = node[key];
        const fixed = storableChild(child, stack);
        // An own `__proto__` key is data here; assignment to an own data property keeps it so.
        if (fixed !== child) node[key] = fixed;
      }
    }
  }
  return root as T;
}

function storableChild(child: unknown, stack: JsonContainer[]): unknown {
  if (typeof child === 'string') return isStorableText(child) ? child : toStorableText(child);
  if (typeof child !== 'object' || child === null) return child;
  const fixed = withStorableKeys(child as JsonContainer);
  stack.push(fixed);
  return fixed;
}

/** The object itself when its keys can be stored, else a copy with storable keys, in order. */
function withStorableKeys(node: JsonContainer): JsonContainer {
  if (Array.isArray(node)) return node;
  const keys = Object.keys(node);
  if (keys.every(isStorableText)) return node;
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    Object.defineProperty(copy, toStorableText(key), { value: node[key], enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
