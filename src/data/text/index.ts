/**
 * Text classification: a tokenizer, a vocabulary, padding and batching, and text datasets
 * (torchtext's role).
 *
 * @example
 * import * as torch from 'antorcha';
 * import { DataLoader, text } from 'antorcha/data';
 * const train = new text.SpamAssassin({ train: true });
 * const vocab = text.Vocab.build(Array.from(train.texts(), text.tokenize), { minFreq: 3 });
 * const encoded = new text.SpamAssassin({ train: true, transform: (s) => vocab.encode(text.tokenize(s)) });
 * const loader = new DataLoader(encoded, {
 *   batchSize: 32, shuffle: true, collateFn: text.textCollate({ maxLength: 400, padIndex: vocab.padIndex }),
 * });
 * for (const [tokens, labels, lengths] of loader) torch.tidy(() => step(tokens, labels, lengths));
 */
export { tokenize } from './tokenizer.js';
export { Vocab } from './vocab.js';
export type { VocabBuildOptions, VocabOptions, VocabJSON } from './vocab.js';
export { padOrTruncate, textCollate } from './collate.js';
export type { TextCollateOptions, TextSample } from './collate.js';
export { TextClassificationDataset } from './base.js';
export type { TextDatasetOptions } from './base.js';
export { SpamAssassin } from './spam_assassin.js';
export type { SpamAssassinOptions } from './spam_assassin.js';
export { ImdbFolder } from './imdb.js';
export type { ImdbFolderOptions } from './imdb.js';
export { TextClassificationFile } from './text_file.js';
export type { TextClassificationFileOptions } from './text_file.js';
export { parseCsv, parseJsonl } from './csv.js';
export type { CsvRecord, JsonlRecord } from './csv.js';
