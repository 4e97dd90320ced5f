/**
 * The bus's background work: deliveries, retries and replays run detached from the call that started
 * them; `close` cancels their waits and timers and `whenIdle` waits for them.
 */
export class BackgroundWork {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private stopped = false;

  constructor(private readonly log: (line: string) => void) {}

  /** True once `close` began: retries stop and schedules are not armed again. */
  get closed(): boolean {
    return this.stopped;
  }

  track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) =>
      this.log(`[eventbridge] background error: ${String(error)}`),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Waits `ms`, or less when the bus closes. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.timers.add(timer);
      this.sleepers.add(wake);
    });
  }

  /** Runs `fire` after `ms` (not keeping the process alive) unless the bus closes first. */
  setTimer(fire: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fire();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves once every piece of work started so far (including retries and replays) has finished. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
