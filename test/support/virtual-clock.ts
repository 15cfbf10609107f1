/**
 * Simulated time for a simulated run, so that a run of 10,000 shards that would take hours takes seconds, and every
 * wait in it keeps its proportions.
 *
 * While `run` drives a piece of work, `setTimeout` and `clearTimeout` are replaced by timers on this clock. The
 * interpreter's Wait states, retry intervals and Task timeouts, and the simulated tasks' run times, all wait on
 * them. Simulated time stands still while anything else is going on: between two timers, `run` lets every promise
 * that is ready settle (they take no simulated time, as if each state transition were instant), and only when
 * nothing is left to do moves the clock to the next timer and fires it. A run therefore measures its makespan in
 * simulated seconds, free of the machine's own speed.
 */
export class VirtualClock {
  private nowMs = 0;
  private sequence = 0;
  private readonly timers = new TimerHeap();
  private installed?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };

  /** Simulated milliseconds since the clock started. */
  public now(): number {
    return this.nowMs;
  }

  /** Simulated seconds since the clock started. */
  public seconds(): number {
    return this.nowMs / 1000;
  }

  /** Resolves after this many simulated milliseconds, or as soon as the signal aborts. */
  public sleep(ms: number, abortSignal?: AbortSignal): Promise<void> {
    return new Promise(resolve => {
      if (abortSignal?.aborted) {
        resolve();
        return;
      }
      const onAbort = () => {
        this.cancel(timer);
        resolve();
      };
      const timer = this.schedule(ms, () => {
        abortSignal?.removeEventListener('abort', onAbort);
        resolve();
      });
      abortSignal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Runs the work with this clock standing in for the timers, and returns what it returns. Fails if the work waits
   * for something that no timer will ever bring.
   */
  public async run<T>(work: () => Promise<T>): Promise<T> {
    const realSetImmediate = setImmediate;
    const settle = () => new Promise<void>(resolve => realSetImmediate(resolve));
    this.install();
    try {
      let outcome: { value: T } | { error: unknown } | undefined;
      work().then(value => { outcome = { value }; }, error => { outcome = { error }; });
      for (;;) {
        // An immediate runs only once every ready promise has settled: the moment simulated time may move.
        await settle();
        if (outcome) {
          break;
        }
        const next = this.timers.pop();
        if (!next) {
          throw new Error(`At ${this.seconds()} simulated seconds the work waits, but no timer is left to wake it.`);
        }
        this.nowMs = Math.max(this.nowMs, next.at);
        next.callback();
      }
      if ('error' in outcome) {
        throw outcome.error;
      }
      return outcome.value;
    } finally {
      this.uninstall();
      this.timers.clear();
    }
  }

  private schedule(ms: number, callback: () => void): VirtualTimer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer = new VirtualTimer(this.nowMs + delay, this.sequence++, callback);
    this.timers.push(timer);
    return timer;
  }

  private cancel(timer: VirtualTimer) {
    timer.cancelled = true;
  }

  private install() {
    if (this.installed) {
      throw new Error('This virtual clock is already running.');
    }
    this.installed = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    const real = this.installed;
    const virtualSetTimeout = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      this.schedule(ms ?? 0, () => callback(...args));
    const virtualClearTimeout = (handle: unknown) => {
      if (handle instanceof VirtualTimer) {
        this.cancel(handle);
      } else {
        real.clearTimeout(handle as NodeJS.Timeout);
      }
    };
    globalThis.setTimeout = virtualSetTimeout as unknown as typeof setTimeout;
    globalThis.clearTimeout = virtualClearTimeout as typeof clearTimeout;
  }

  private uninstall() {
    if (this.installed) {
      globalThis.setTimeout = this.installed.setTimeout;
      globalThis.clearTimeout = this.installed.clearTimeout;
      this.installed = undefined;
    }
  }
}

/** A timer on a virtual clock. It answers `ref` and `unref` as Node's timers do, for code that calls them. */
class VirtualTimer {
  public cancelled = false;

  constructor(public readonly at: number, public readonly sequence: number, public readonly callback: () => void) {}

  public ref(): this {
    return this;
  }

  public unref(): this {
    return this;
  }

  public hasRef(): boolean {
    return true;
  }

  /** Fires before `other`: earlier, or at the same time but set first. */
  public before(other: VirtualTimer): boolean {
    return this.at < other.at || (this.at === other.at && this.sequence < other.sequence);
  }
}

/** The pending timers, earliest first; cancelled ones are dropped as they come up. */
class TimerHeap {
  private readonly heap: VirtualTimer[] = [];

  public push(timer: VirtualTimer) {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = Math.floor((i - 1) / 2);
      if (!heap[i].before(heap[parent])) {
        break;
      }
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  public pop(): VirtualTimer | undefined {
    for (;;) {
      const top = this.take();
      if (!top || !top.cancelled) {
        return top;
      }
    }
  }

  public clear() {
    this.heap.length = 0;
  }

  private take(): VirtualTimer | undefined {
    const heap = this.heap;
    if (heap.length === 0) {
      return undefined;
    }
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let first = i;
        if (left < heap.length && heap[left].before(heap[first])) {
          first = left;
        }
        if (right < heap.length && heap[right].before(heap[first])) {
          first = right;
        }
        if (first === i) {
          break;
        }
        [heap[i], heap[first]] = [heap[first], heap[i]];
        i = first;
      }
    }
    return top;
  }
}
