// The last lifecycle events an API instance sent on /ws, kept so a client that lost its socket resumes where it
// stopped: every event gets a cursor `<instance>.<n>` (n counts up in this process), the client sends back the
// last one it holds, and the instance replays what followed. Bounded by count and bytes; a cursor from another
// instance, or one older than what is still held, cannot be honoured, and the client then refills from REST.
import { randomBytes } from 'node:crypto';

export interface BufferedEvent {
  n: number;
  eventId: string;
  executionId: string;
  workflow: string;
  /** The JSON text as sent on the socket, cursor included. */
  text: string;
}

export interface ReplayLimits {
  maxEvents: number;
  maxBytes: number;
}

export const DEFAULT_REPLAY_LIMITS: ReplayLimits = { maxEvents: 20_000, maxBytes: 32 * 1024 * 1024 };

export class LiveReplayBuffer {
  readonly instance = randomBytes(6).toString('base64url');
  private readonly events: BufferedEvent[] = [];
  private head = 0;
  private bytes = 0;
  private last = 0;
  /** The ids of the events held: the topic is at-least-once, and a re-published event is sent only once. */
  private readonly ids = new Set<string>();

  constructor(private readonly limits: ReplayLimits = DEFAULT_REPLAY_LIMITS) {}

  /**
   * Appends an event; `build` gets its cursor to put into the text. Undefined when an event of that id is
   * already held (a re-published duplicate), which is then not sent again.
   */
  append(
    event: { eventId: string; executionId: string; workflow: string },
    build: (cursor: string) => string,
  ): BufferedEvent | undefined {
    if (this.ids.has(event.eventId)) return undefined;
    const n = this.last + 1;
    const buffered = { ...event, n, text: build(this.cursorOf(n)) };
    this.last = n;
    this.events.push(buffered);
    this.ids.add(event.eventId);
    this.bytes += buffered.text.length;
    while (
      this.events.length - this.head > this.limits.maxEvents ||
      (this.bytes > this.limits.maxBytes && this.events.length - this.head > 1)
    ) {
      const evicted = this.events[this.head]!;
      this.bytes -= evicted.text.length;
      this.ids.delete(evicted.eventId);
      this.head += 1;
    }
    // Drop the evicted prefix in one go now and then, not one shift per event.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events.splice(0, this.head);
      this.head = 0;
    }
    return buffered;
  }

  /** The position of the last event appended: a client that saw nothing yet resumes from here. */
  current(): string {
    return this.cursorOf(this.last);
  }

  /**
   * The events after `cursor`, or undefined when this buffer cannot say which they are (another instance's
   * cursor, an unreadable one, or one older than the oldest event still held).
   */
  since(cursor: string): BufferedEvent[] | undefined {
    const match = /^([\w-]+)\.(\d+)$/.exec(cursor);
    if (!match || match[1] !== this.instance) return undefined;
    const after = Number(match[2]);
    if (after > this.last) return undefined;
    const oldest = this.events[this.head]?.n ?? this.last + 1;
    if (after + 1 < oldest) return undefined;
    return this.events.slice(this.head + (after + 1 - oldest));
  }

  private cursorOf(n: number): string {
    return `${this.instance}.${n}`;
  }
}
