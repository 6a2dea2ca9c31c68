/** Exponential backoff with full jitter, shared by every supervised process and reconnect loop. */
export interface BackoffOptions {
  /** Cap of the first delay, in seconds. */
  initialSeconds: number;
  /** No delay exceeds this, in seconds. */
  maxSeconds: number;
}

/**
 * Delay before restart number `attempt` (0 for the first after a healthy run), in seconds:
 * exponential backoff with full jitter, `random() × min(max, initial × 2^attempt)`. Full jitter
 * spreads the reconnects of many cameras that lost the same server at the same moment.
 * `random` returns values in [0, 1), as `Math.random` does.
 */
export function nextBackoff(attempt: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.max(0, Math.floor(attempt));
  // 2^exponent overflows to Infinity for huge attempts, which min() turns into maxSeconds.
  const ceiling = Math.min(options.maxSeconds, options.initialSeconds * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return r * ceiling;
}
