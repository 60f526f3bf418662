import { AppError } from '../errors.js';

export interface WorkQueueLimits {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs waiting for a slot; one more is refused with SERVER_BUSY (503). */
  maxWaiting: number;
  /** A job that waited this long for a slot is refused with SERVER_BUSY instead of run. */
  maxWaitMs: number;
  /** Jobs one key (a user) may have running or waiting; one more is refused with RATE_LIMITED (429). */
  perKey: number;
}

/** Raised when the queue refuses a job: the route turns `retryAfterSeconds` into Retry-After. */
export class QueueRefusal extends AppError {
  constructor(
    code: 'SERVER_BUSY' | 'RATE_LIMITED',
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A bounded queue in front of expensive work: at most `concurrency` jobs run, a few more wait
 * (for a bounded time), and anything beyond is refused at once rather than piling up. A slot is
 * handed straight from a finishing job to the next waiter, so nothing can slip in between.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private readonly perKey = new Map<string, number>();

  constructor(private readonly limits: WorkQueueLimits) {}

  /** Jobs running and waiting now (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const retryAfter = Math.ceil(this.limits.maxWaitMs / 1000);
    const held = this.perKey.get(key) ?? 0;
    if (held >= this.limits.perKey) throw new QueueRefusal('RATE_LIMITED', `At most ${this.limits.perKey} of your images are processed at once; retry when one is done`, retryAfter);
    if (this.running >= this.limits.concurrency && this.waiting.length >= this.limits.maxWaiting) {
      throw new QueueRefusal('SERVER_BUSY', 'The server is busy processing images; retry shortly', retryAfter);
    }
    this.perKey.set(key, held + 1);
    try {
      await this.slot();
      try {
        return await job();
      } finally {
        this.release();
      }
    } finally {
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.limits.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new QueueRefusal('SERVER_BUSY', 'The server is busy processing images; retry shortly', Math.ceil(this.limits.maxWaitMs / 1000)));
        }, this.limits.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** The slot goes to the next waiter (still counted as running), or is freed. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running -= 1;
  }
}
