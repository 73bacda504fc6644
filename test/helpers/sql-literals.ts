import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * Statements and clauses that only SQL writes. Case-insensitive (some SQL is written in lower
 * case), each with enough of the statement's shape after the keyword that a word in a sentence
 * does not match on its own: `SELECT` needs something selected, `WITH x AS` an opening
 * parenthesis, `UPDATE x SET` the SET.
 */
const SQL_PATTERN =
  /\b(?:SELECT\s+(?:DISTINCT\s+)?[\w*($]|INSERT\s+(?:OR\s+\w+\s+)?INTO\s+\w|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s+\w|CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b|ALTER\s+TABLE\s+\w|DROP\s+(?:TABLE|INDEX)\s+\w|BEGIN\s+(?:IMMEDIATE|EXCLUSIVE|DEFERRED)\b|WITH\s+(?:RECURSIVE\s+)?\w+\s+AS\s*\(|ON\s+CONFLICT\s*\(|PRAGMA\s+\w+\s*[=(;]|pg_(?:try_)?advisory_\w*lock\w*\s*\()/gi;

/**
 * English that happens to start like a statement ("Select an app", "delete from the list",
 * "Update your settings set…"): a keyword not written in capitals and followed by an article
 * or pronoun is prose. SQL in capitals is SQL whatever follows.
 */
const PROSE_AFTER_KEYWORD = /^\w+(?:\s+\w+)?\s+(?:the|a|an|your|my|our|their|its|this|that|these|those|all|every|each|some|any|it|them|one)\b/i;

/** One string or template literal that reads as SQL. */
export interface SqlLiteral {
  /** Path relative to the scanned root's parent, with `/` separators. */
  file: string;
  line: number;
  /** What matched, e.g. `SELECT a`, `DELETE FROM r`. */
  match: string;
  /** The literal's text (a template's substitutions shown as `${…}`), cut to 120 characters. */
  text: string;
}

/** The text of a literal node, or null for other nodes. */
function literalText(node: ts.Node): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => '${…}' + span.literal.text).join('');
  return null;
}

/** The first SQL-looking match in `text`, or null. */
export function sqlIn(text: string): string | null {
  for (const m of text.matchAll(SQL_PATTERN)) {
    const match = m[0];
    const keyword = /^\w+/.exec(match)![0];
    const capitals = keyword === keyword.toUpperCase();
    if (!capitals && PROSE_AFTER_KEYWORD.test(text.slice(m.index))) continue;
    return match;
  }
  return null;
}

/** Every string, no-substitution template and template literal of a source text that reads as SQL. */
export function findSqlLiterals(fileName: string, source: string): SqlLiteral[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: SqlLiteral[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== null) {
      const match = sqlIn(text);
      if (match !== null) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        const flat = text.replace(/\s+/g, ' ').trim();
        found.push({ file: fileName, line, match, text: flat.length > 120 ? `${flat.slice(0, 117)}...` : flat });
      }
      // A template's spans hold expressions that may contain literals of their own.
      if (!ts.isTemplateExpression(node)) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The .ts files under `dir`, skipping the folders named in `skip` (paths relative to `dir`). */
export function typeScriptFiles(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(dir, path).split(sep).join('/');
      if (entry.isDirectory()) {
        if (!skip.includes(rel)) walk(path);
      } else if (entry.name.endsWith('.ts')) {
        out.push(path);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** SQL literals of every .ts file under `root` outside the `skip` folders; files named relative to `root`'s parent. */
export function scanForSql(root: string, skip: readonly string[]): SqlLiteral[] {
  const base = join(root, '..');
  return typeScriptFiles(root, skip).flatMap((path) => findSqlLiterals(relative(base, path).split(sep).join('/'), readFileSync(path, 'utf8')));
}
