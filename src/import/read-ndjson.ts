import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One line of an NDJSON file, numbered from 1 as an editor shows it. */
export interface NdjsonLine {
  lineNumber: number;
  text: string;
}

/** Streams the lines of a file (never loads it whole: backlogs can be large). */
export async function* readNdjsonLines(path: string): AsyncGenerator<NdjsonLine> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      yield { lineNumber, text };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
