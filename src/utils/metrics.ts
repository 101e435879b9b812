/**
 * Metrics as JSON Lines: one JSON object per line, appended as each epoch ends. The format is the one
 * loggers and notebooks read without a schema (`pandas.read_json(path, lines=True)`), and a run killed
 * mid-way leaves every finished line intact.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { atomicWrite, writeAll } from '../io/atomic.js';

/** One line of metrics: numbers (or strings) by name. */
export type MetricsRecord = Record<string, number | string | boolean | null>;

/**
 * Appends one record as a line. `appendFileSync` writes the line with one write(2) call, so a crash leaves
 * at worst a last line without its newline, which `readJsonl` skips.
 *
 * @example
 * appendJsonl('runs/x/metrics.jsonl', { epoch: 1, train_loss: 0.52 });
 */
export function appendJsonl(path: string, record: MetricsRecord): void {
  appendFileSync(path, `${JSON.stringify(record)}\n`);
}

/**
 * Reads the records of a JSON Lines file ([] when it does not exist). A torn last line (no newline, not
 * valid JSON) is dropped; a bad line elsewhere is an error, since it means the file is not ours.
 *
 * @example
 * const rows = readJsonl('runs/x/metrics.jsonl');
 */
export function readJsonl(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop(); // '' after the last newline, or a torn last write: either way not a record
  const records: MetricsRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line) as MetricsRecord);
    } catch {
      throw new SyntaxError(`${path}:${i + 1}: not a JSON line: ${line.slice(0, 80)}`);
    }
  });
  return records;
}

/**
 * Replaces the file with these records (atomically): used to start a run afresh, or to drop the lines of
 * epochs that a resumed run is about to redo.
 *
 * @example
 * writeJsonl(path, readJsonl(path).filter((r) => Number(r.epoch) <= 2));
 */
export function writeJsonl(path: string, records: readonly MetricsRecord[]): void {
  const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
  atomicWrite(path, (fd) => writeAll(fd, Buffer.from(text, 'utf8')));
}
