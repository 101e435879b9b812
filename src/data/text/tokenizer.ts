/** A plain English tokenizer: the rules of torchtext's `basic_english` tokenizer. */

// torchtext's rules, applied in this order after lower-casing: a quote character ' gets spaces around it,
// double quotes are removed, . , ( ) ! ? get spaces around them, IMDB's line breaks `<br />` and the
// characters ; and : become spaces. The replacement strings are torchtext's (including the two spaces
// after '), although only the split below makes them visible.
const RULES: readonly [RegExp, string][] = [
  [/'/g, " '  "],
  [/"/g, ''],
  [/\./g, ' . '],
  [/<br \/>/g, ' '],
  [/,/g, ' , '],
  [/\(/g, ' ( '],
  [/\)/g, ' ) '],
  [/!/g, ' ! '],
  [/\?/g, ' ? '],
  [/;/g, ' '],
  [/:/g, ' '],
];

// Python's notion of whitespace (str.isspace, which both re's \s and str.split use), not JavaScript's:
// Python counts U+001C-U+001F and U+0085 as whitespace and U+FEFF (a byte-order mark) as a character, so
// splitting on JavaScript's \s would give different tokens for text that contains them.
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/**
 * Splits English text into lower-case tokens, following the rules of torchtext's `basic_english`
 * tokenizer (`get_tokenizer('basic_english')`), so that a vocabulary built here matches one built with
 * torchtext from the same text: punctuation `' . , ( ) ! ?` become tokens of their own, `"` is dropped,
 * `;`, `:` and `<br />` separate words, and everything else (hyphens, slashes, `@`, digits, non-ASCII
 * letters) stays inside words.
 *
 * @example
 * tokenize("Don't panic!<br />It's fine."); // ['don', "'", 't', 'panic', '!', 'it', "'", 's', 'fine', '.']
 */
export function tokenize(text: string): string[] {
  let line = text.toLowerCase();
  for (const [pattern, replacement] of RULES) line = line.replace(pattern, replacement);
  return line.split(PY_WHITESPACE).filter((token) => token.length > 0);
}
