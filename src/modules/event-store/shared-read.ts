/**
 * One read shared by everyone who asks while it runs. `any()` joins the read in flight, if one is.
 * `fresh()` joins a read that begins after the call: the one in flight may have started before a
 * write the caller has already seen acknowledged, and must not answer for it.
 */
export class SharedRead<T> {
  private current: Promise<T> | null = null;
  private next: Promise<T> | null = null;

  constructor(private readonly read: () => Promise<T>) {}

  any(): Promise<T> {
    return this.current ?? this.start();
  }

  fresh(): Promise<T> {
    if (!this.current) return this.start();
    this.next ??= this.current.then(
      () => this.afterCurrent(),
      () => this.afterCurrent(),
    );
    return this.next;
  }

  /** No read running or waiting to run. */
  get idle(): boolean {
    return this.current === null && this.next === null;
  }

  private afterCurrent(): Promise<T> {
    this.next = null;
    return this.current ?? this.start();
  }

  private start(): Promise<T> {
    const run = this.read().finally(() => {
      if (this.current === run) this.current = null;
    });
    this.current = run;
    return run;
  }
}
