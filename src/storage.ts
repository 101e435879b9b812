/** Reference-counted native memory shared by a tensor and its views. */
import { addon } from './backend/native.js';

export class Storage {
  /** Bumped by every in-place write, so autograd can tell a saved tensor was modified (PyTorch's _version). */
  version = 0;
  private refs = 1;
  /** Called once the last reference is released (caches of tensors derived from this memory drop them). */
  private onRelease: (() => void)[] | null = null;

  private constructor(readonly handle: number, readonly nbytes: number) {}

  static allocate(nbytes: number): Storage {
    return new Storage(addon.alloc(nbytes), nbytes);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  /** Drops one reference; the native block is freed with the last one. */
  release(): void {
    if (--this.refs !== 0) return;
    addon.free(this.handle);
    const callbacks = this.onRelease;
    this.onRelease = null;
    for (const fn of callbacks ?? []) fn();
  }

  /** Runs fn when this memory is freed: what a cache derived from it (folded weights) ties its lifetime to. */
  whenReleased(fn: () => void): void {
    (this.onRelease ??= []).push(fn);
  }

  get refCount(): number {
    return this.refs;
  }
}
