/** TextClassificationFile: labelled texts from a CSV or JSON Lines file. */
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { DatasetFormatError, DatasetNotFoundError } from '../errors.js';
import { readMaybeGzip } from '../datasets/files.js';
import { TextClassificationDataset, type TextDatasetOptions } from './base.js';
import { parseCsv, parseJsonl } from './csv.js';

export interface TextClassificationFileOptions<X, Y> extends TextDatasetOptions<X, Y> {
  /** 'csv' or 'jsonl'; by default from the extension (.csv, .tsv, .jsonl, .ndjson, optionally .gz). */
  format?: 'csv' | 'jsonl';
  /** The column (CSV header name) or key (JSONL) of the text (default 'text'). */
  textColumn?: string;
  /** The column or key of the label (default 'label'). */
  labelColumn?: string;
  /** CSV field delimiter (default ',', or a tab for .tsv files). */
  delimiter?: string;
  /**
   * The class names, label i being classes[i]. Pass the training file's `classes` when reading its test
   * file, so both map names to the same indices even when a class is missing from one of them.
   */
  classes?: string[];
}

/** A label as read, with the line it came from. */
interface RawLabel {
  value: string | number;
  line: number;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The format from the file name, looking through a .gz suffix. */
function formatOf(path: string): { format: 'csv' | 'jsonl'; tsv: boolean } | null {
  const base = path.toLowerCase().endsWith('.gz') ? path.slice(0, -3) : path;
  switch (extname(base).toLowerCase()) {
    case '.csv': return { format: 'csv', tsv: false };
    case '.tsv': return { format: 'csv', tsv: true };
    case '.jsonl':
    case '.ndjson': return { format: 'jsonl', tsv: false };
    default: return null;
  }
}

/**
 * A text classification dataset read from one file: CSV with a header row (RFC 4180 quoting: `""` for a
 * quote, quoted fields may span lines) or JSON Lines (one object per line). Labels may be numbers, used as
 * they are (`classes` is null), or class names, numbered in sorted order (`classes` lists them), unless
 * `classes` is given. In CSV, where every field is text, labels are numbers when every label is a decimal
 * number. The whole file is read when the dataset is made; malformed input (an unterminated quote, a line
 * that is not JSON, a missing column, a record with the wrong number of fields, an empty label) is a
 * DatasetFormatError naming the file and the line.
 *
 * @example
 * const train = new TextClassificationFile('data/reviews_train.csv', { textColumn: 'review', labelColumn: 'sentiment' });
 * train.classes; // ['negative', 'positive']
 * const test = new TextClassificationFile('data/reviews_test.csv', { textColumn: 'review', labelColumn: 'sentiment', classes: train.classes! });
 */
export class TextClassificationFile<X = string, Y = number> extends TextClassificationDataset<X, Y> {
  readonly path: string;
  readonly format: 'csv' | 'jsonl';
  /** Class names (label i is classes[i]), or null when the labels are numbers used as they are. */
  readonly classes: string[] | null;
  private readonly textList: string[];

  constructor(path: string, options: TextClassificationFileOptions<X, Y> = {}) {
    const { textColumn = 'text', labelColumn = 'label' } = options;
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new DatasetNotFoundError(`TextClassificationFile: ${path} is not a file`, [path]);
    }
    const detected = formatOf(path);
    const format = options.format ?? detected?.format;
    if (format !== 'csv' && format !== 'jsonl') {
      throw new TypeError(`TextClassificationFile: cannot tell the format of ${path} from its extension; pass { format: 'csv' } or { format: 'jsonl' }`);
    }
    const content = new TextDecoder().decode(readMaybeGzip(path));
    const texts: string[] = [];
    const labels: RawLabel[] = [];
    if (format === 'csv') {
      const records = parseCsv(content, path, options.delimiter ?? (detected?.tsv ? '\t' : ','));
      if (records.length === 0) throw new DatasetFormatError(path, 'empty file: expected a header row');
      const [header, ...rows] = records;
      const column = (name: string): number => {
        const k = header.fields.indexOf(name);
        if (k < 0) throw new DatasetFormatError(path, `line ${header.line}: no column ${JSON.stringify(name)} in the header (columns: ${header.fields.map((f) => JSON.stringify(f)).join(', ')})`);
        return k;
      };
      const textIndex = column(textColumn), labelIndex = column(labelColumn);
      for (const { fields, line } of rows) {
        if (fields.length !== header.fields.length) {
          throw new DatasetFormatError(path, `line ${line}: ${fields.length} field${fields.length === 1 ? '' : 's'} where the header has ${header.fields.length}`);
        }
        texts.push(fields[textIndex]);
        labels.push({ value: fields[labelIndex], line });
      }
    } else {
      for (const { value, line } of parseJsonl(content, path)) {
        for (const key of [textColumn, labelColumn]) {
          if (!Object.hasOwn(value, key)) throw new DatasetFormatError(path, `line ${line}: no ${JSON.stringify(key)} field`);
        }
        const text = value[textColumn], label = value[labelColumn];
        if (typeof text !== 'string') throw new DatasetFormatError(path, `line ${line}: the ${JSON.stringify(textColumn)} field is a ${text === null ? 'null' : typeof text}, not a string`);
        if (typeof label !== 'string' && (typeof label !== 'number' || !Number.isFinite(label))) {
          throw new DatasetFormatError(path, `line ${line}: the ${JSON.stringify(labelColumn)} field is ${JSON.stringify(label)}, not a number or a class name`);
        }
        texts.push(text);
        labels.push({ value: label, line });
      }
    }
    const { targets, classes } = resolveLabels(labels, path, format, options.classes);
    super(targets, options);
    this.path = path;
    this.format = format;
    this.classes = classes;
    this.textList = texts;
  }

  protected readText(i: number): string {
    return this.textList[i];
  }
}

/** Label indices from raw labels: through `given` classes, as numbers, or as sorted class names. */
function resolveLabels(labels: RawLabel[], path: string, format: 'csv' | 'jsonl', given: string[] | undefined): { targets: number[]; classes: string[] | null } {
  for (const { value, line } of labels) {
    if (typeof value === 'string' && value.trim() === '') throw new DatasetFormatError(path, `line ${line}: empty label`);
  }
  if (given !== undefined) {
    const index = new Map(given.map((c, k) => [c, k]));
    const targets = labels.map(({ value, line }) => {
      const k = index.get(String(value));
      if (k === undefined) throw new DatasetFormatError(path, `line ${line}: label ${JSON.stringify(String(value))} is not one of the classes ${JSON.stringify(given)}`);
      return k;
    });
    return { targets, classes: given.slice() };
  }
  if (format === 'jsonl') {
    const first = labels[0];
    const mixed = labels.find((l) => typeof l.value !== typeof first.value);
    if (mixed !== undefined) {
      throw new DatasetFormatError(path, `line ${mixed.line}: the label is a ${typeof mixed.value} but on line ${first.line} it is a ${typeof first.value}; use numbers or class names throughout`);
    }
    if (first !== undefined && typeof first.value === 'number') return { targets: labels.map((l) => l.value as number), classes: null };
  } else if (labels.length > 0 && labels.every((l) => NUMBER.test((l.value as string).trim()))) {
    return { targets: labels.map((l) => Number(l.value)), classes: null };
  }
  const classes = [...new Set(labels.map((l) => String(l.value)))].sort();
  const index = new Map(classes.map((c, k) => [c, k]));
  return { targets: labels.map((l) => index.get(String(l.value))!), classes };
}
