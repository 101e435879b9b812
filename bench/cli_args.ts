/** What the benchmark scripts share: reading `--name value` options and taking medians. */

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
