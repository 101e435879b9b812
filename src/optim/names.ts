/**
 * Option and state names: antorcha's API is camelCase (`weightDecay`, `expAvgSq`), PyTorch's state dicts are
 * snake_case (`weight_decay`, `exp_avg_sq`). State dicts convert at the boundary so that checkpoints move
 * between the two unchanged.
 */

/** `weightDecay` → `weight_decay`, `maxExpAvgSq` → `max_exp_avg_sq`. */
export function toSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `weight_decay` → `weightDecay`. */
export function toCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A copy of an option value, so that a state dict and the optimizer never share an array (betas). */
export function copyValue<T>(value: T): T {
  return (Array.isArray(value) ? value.slice() : value) as T;
}
