/**
 * The autocast cases with LSTMs on oneDNN's fused primitive (ANTORCHA_LSTM=onednn; bfloat16 where oneDNN has a
 * bfloat16 RNN, else the step-by-step composite) instead of the own loop, which the default run tests.
 */
// Read once, at the first recurrent layer: before the cases' module probes which path LSTMs take.
process.env.ANTORCHA_LSTM = 'onednn';
await import('./autocast.test.js');
