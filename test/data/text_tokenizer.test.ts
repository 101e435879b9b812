import { test } from 'node:test';
import assert from 'node:assert/strict';
import { text } from '../../src/data/index.js';

// Expected tokens are what torchtext's get_tokenizer('basic_english') returns for the same strings,
// worked out from its rules: lower-case; ' -> " '  "; " removed; . , ( ) ! ? padded with spaces;
// "<br />", ; and : -> a space; then split on (Python) whitespace.
const cases: [string, string[]][] = [
  ["Don't panic!", ['don', "'", 't', 'panic', '!']],
  ['He said "hello, world" (twice)...', ['he', 'said', 'hello', ',', 'world', '(', 'twice', ')', '.', '.', '.']],
  ['Great movie!<br /><br />10/10 would watch again???', ['great', 'movie', '!', '10/10', 'would', 'watch', 'again', '?', '?', '?']],
  ['e-mail: john.doe@example.com; cost: $3.50', ['e-mail', 'john', '.', 'doe@example', '.', 'com', 'cost', '$3', '.', '50']],
  ['<BR/>Tabs\tand\nnewlines  \u00a0nbsp', ['<br/>tabs', 'and', 'newlines', 'nbsp']],
  ['one<BR />two', ['one', 'two']],
  ["ÉCOLE's CAFÉ", ['école', "'", 's', 'café']],
  ["It's 5 o'clock", ['it', "'", 's', '5', 'o', "'", 'clock']],
  ['Wait...what?!', ['wait', '.', '.', '.', 'what', '?', '!']],
  ['(a)(b)', ['(', 'a', ')', '(', 'b', ')']],
  ['HELLO\r\nWORLD', ['hello', 'world']],
  ['don’t “quote”', ['don’t', '“quote”']],
  ['a;b:c', ['a', 'b', 'c']],
  ["'", ["'"]],
  [';:', []],
  ['', []],
  ['   \t\n ', []],
  // Python's whitespace: U+0085 and U+001C split, a byte-order mark U+FEFF does not.
  ['a\u0085b\u001cc\ufeffd', ['a', 'b', 'c\ufeffd']],
];

test('tokenize follows torchtext basic_english', () => {
  for (const [input, expected] of cases) assert.deepEqual(text.tokenize(input), expected, JSON.stringify(input));
});
