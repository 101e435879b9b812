/** What the benchmark scripts share: the PyTorch interpreter, reading `--name value` options, medians, autocast. */
import * as torch from '../src/index.js';

/**
 * The Python that runs the PyTorch side: Debian's by default (the one with `python3-torch`), or the one named by
 * `ANTORCHA_BENCH_PYTHON` on a machine whose PyTorch lives elsewhere.
 */
export const PYTHON = process.env.ANTORCHA_BENCH_PYTHON || '/usr/bin/python3';

/**
 * A reader of `--name value` options from argv.
 *
 * @example
 * const arg = options(process.argv.slice(2)); const threads = Number(arg('--threads', '2'));
 */
export function options(args: string[]): (name: string, fallback: string) => string {
  return (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
}

/** The middle value (upper middle for an even count). @example median([3, 1, 2]) // 2 */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * fn under CPU autocast (bfloat16) when amp is set, else fn as it is (the W6 runs of each benchmark).
 *
 * @example
 * const loss = region(amp, () => criterion.forward(model.forward(x), y));
 */
export const region = <T>(amp: boolean, fn: () => T): T =>
  (amp ? torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, fn) : fn());
