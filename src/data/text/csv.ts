/**
 * CSV (RFC 4180) and JSON Lines parsing for TextClassificationFile.
 *
 * The CSV parser is written here rather than taken from npm: csv-parse (the usual choice: no dependencies,
 * no install scripts) reports an unterminated quote at the line where the input ended, and gives each
 * record the line where it ends, while a quoted text field spanning many lines is exactly the case where
 * the user needs the line where the record starts. Parsing a whole file held in memory is a short state
 * machine, and this way every error names the file and the line of the record at fault.
 */
import { DatasetFormatError } from '../errors.js';

/** One CSV record: its fields and the line (1-based) where it starts. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Line breaks in text[from, to): CRLF, LF and lone CR each count once. */
function countLineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10) n++;
    else if (c === 13 && text.charCodeAt(k + 1) !== 10) n++; // a CR of a CRLF is counted at its LF
  }
  return n;
}

/**
 * Splits CSV text into records (RFC 4180): fields are separated by `delimiter`, records by CRLF, LF or CR;
 * a field that starts with `"` is quoted and may hold delimiters, line breaks and `""` (one quote). Like
 * Python's csv module, a quote inside an unquoted field is kept as a character; a quoted field must be
 * followed by a delimiter or a line break. Empty lines are skipped; a leading byte-order mark is dropped.
 * Errors are DatasetFormatErrors naming `file` and the line.
 *
 * @example
 * parseCsv('text,label\n"Hello, ""world""",1\n', 'a.csv');
 * // [{ fields: ['text', 'label'], line: 1 }, { fields: ['Hello, "world"', '1'], line: 2 }]
 */
export function parseCsv(text: string, file: string, delimiter = ','): CsvRecord[] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`parseCsv: the delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const endOfField = (c: string | undefined): boolean => c === undefined || c === delimiter || c === '\n' || c === '\r';
  while (i < n) {
    if (text[i] === '\n' || text[i] === '\r') { // an empty line
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      if (text[i] === '"') {
        const opened = line;
        let value = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new DatasetFormatError(file, `line ${opened}: unterminated quoted field (field ${fields.length + 1}: its opening quote is never closed)`);
          value += text.slice(j, q);
          line += countLineBreaks(text, j, q);
          if (text[q + 1] === '"') {
            value += '"';
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        if (!endOfField(text[i])) {
          throw new DatasetFormatError(file, `line ${line}: ${JSON.stringify(text[i])} after the closing quote of field ${fields.length + 1} (a quote inside a quoted field is written "")`);
        }
        fields.push(value);
      } else {
        let j = i;
        while (!endOfField(text[j])) j++;
        fields.push(text.slice(i, j));
        i = j;
      }
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      if (i < n) { // the record's line break
        i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
      }
      break;
    }
    records.push({ fields, line: start });
  }
  return records;
}

/** One JSON Lines record: the parsed object and its line (1-based). */
export interface JsonlRecord {
  value: Record<string, unknown>;
  line: number;
}

/**
 * Parses JSON Lines: one JSON object per line; blank lines are skipped. A line that is not JSON, or not an
 * object, is a DatasetFormatError naming `file` and the line.
 *
 * @example
 * parseJsonl('{"text": "good", "label": 1}\n{"text": "bad", "label": 0}\n', 'a.jsonl');
 */
export function parseJsonl(text: string, file: string): JsonlRecord[] {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
  const records: JsonlRecord[] = [];
  for (const [k, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new DatasetFormatError(file, `line ${k + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DatasetFormatError(file, `line ${k + 1}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`);
    }
    records.push({ value: value as Record<string, unknown>, line: k + 1 });
  }
  return records;
}
