/**
 * A one-place mailbox that keeps only the newest value: `put` replaces a value nobody has taken yet
 * (and says so), `take` waits for the next one. A consumer slower than its producer therefore
 * always gets the freshest value and memory stays bounded to one value, whatever the speeds.
 */
export class LatestSlot<T> {
  private value: T | undefined;
  private has = false;
  private waiter: ((value: T | undefined) => void) | undefined;
  private closed = false;

  /** Hands `value` to a waiting `take`, or stores it. Returns true when it replaced an untaken value. */
  put(value: T): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(value);
      return false;
    }
    const replaced = this.has;
    this.value = value;
    this.has = true;
    return replaced;
  }

  /** The stored value, or the next one put; `undefined` once closed and empty. */
  take(): Promise<T | undefined> {
    if (this.has) {
      const value = this.value;
      this.value = undefined;
      this.has = false;
      return Promise.resolve(value);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** No more values: a waiting `take` gets `undefined`; a value already stored can still be taken. */
  close(): void {
    this.closed = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }
}
