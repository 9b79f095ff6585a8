// What a plugin may send without being asked (log entries, `ctx.use()` requests, output), per
// second: within budget it passes; past it, it is dropped and counted; a plugin that keeps
// going past it for long enough is flooding. Pure: the clock is a parameter.

export interface BudgetLimits {
  /** Unasked messages a second; a second's worth may come at once. */
  readonly messagesPerSecond: number;
  /** Bytes of unasked messages and output a second; a second's worth may come at once. */
  readonly bytesPerSecond: number;
  /** Dropping for this long, with no quiet second between drops, is a flood. */
  readonly floodMs: number;
}

/** `drop`: over budget, not passed on; `flood`: over budget for `floodMs`, end the plugin. */
export type Admission = 'pass' | 'drop' | 'flood';

// A second without a drop ends a flood: a burst now and then is not one.
const QUIET_MS = 1_000;

/** A rate with a burst of one second's worth: `take(n)` spends n if there are that many. */
class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = rate;
    this.at = now;
  }

  take(amount: number, now: number): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.at) * this.rate) / 1000);
    this.at = now;
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }
}

export class Budget {
  /** Messages dropped, here and (as reported) on the plugin's side. */
  dropped = 0;
  /** Bytes dropped. */
  droppedBytes = 0;
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private floodSince = Number.NEGATIVE_INFINITY;
  private lastDrop = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: BudgetLimits,
    private readonly clock: () => number = performance.now.bind(performance),
  ) {
    const now = clock();
    this.messages = new TokenBucket(limits.messagesPerSecond, now);
    this.bytes = new TokenBucket(limits.bytesPerSecond, now);
  }

  /** One unasked message of `bytes` bytes. */
  message(bytes: number): Admission {
    const now = this.clock();
    if (this.messages.take(1, now) && this.bytes.take(bytes, now)) return 'pass';
    this.droppedBytes += bytes;
    return this.drop(1, now);
  }

  /** `bytes` of output (stdout, stderr): they count against the byte budget only. */
  output(bytes: number): Admission {
    const now = this.clock();
    if (this.bytes.take(bytes, now)) return 'pass';
    this.droppedBytes += bytes;
    return this.drop(0, now);
  }

  /** Messages the plugin's own side dropped before sending them (it keeps the same budget). */
  droppedThere(count: number): Admission {
    return count > 0 ? this.drop(count, this.clock()) : 'pass';
  }

  private drop(count: number, now: number): Admission {
    this.dropped += count;
    if (now - this.lastDrop > QUIET_MS) this.floodSince = now;
    this.lastDrop = now;
    return now - this.floodSince >= this.limits.floodMs ? 'flood' : 'drop';
  }
}
