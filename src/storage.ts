/** Reference-counted native memory shared by a tensor and its views. */
import { addon } from './backend/native.js';

export class Storage {
  /** Bumped by every in-place write, so autograd can tell a saved tensor was modified (PyTorch's _version). */
  version = 0;
  private refs = 1;

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
    if (--this.refs === 0) addon.free(this.handle);
  }

  get refCount(): number {
    return this.refs;
  }
}
