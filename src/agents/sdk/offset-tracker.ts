// Which offset of one partition may be committed. Records are handed to handlers as they arrive and
// finish in any order; the committable offset is the first record whose result is not yet published
// (or, when all are, the one after the last). A record given back never completes, so nothing past it
// is committed and it comes back to whichever instance owns the partition next.

export class OffsetTracker {
  private readonly open = new Set<number>();
  private readonly finished = new Set<number>();
  /** The offset after the highest record seen. */
  private next: number | null = null;

  /** Registers a record as handed out. */
  add(offset: number): void {
    if (this.finished.has(offset)) this.finished.delete(offset);
    this.open.add(offset);
    if (this.next === null || offset + 1 > this.next) this.next = offset + 1;
  }

  /** Marks a record's result as published. */
  complete(offset: number): void {
    if (this.open.delete(offset)) this.finished.add(offset);
  }

  /** Records handed out and not complete. */
  get outstanding(): number {
    return this.open.size;
  }

  /**
   * The offset to commit (the next record to read after a restart), or null when nothing was seen.
   * Forgets finished offsets below it.
   */
  committable(): number | null {
    if (this.next === null) return null;
    let lowestOpen: number | null = null;
    for (const offset of this.open) if (lowestOpen === null || offset < lowestOpen) lowestOpen = offset;
    const commit = lowestOpen ?? this.next;
    for (const offset of this.finished) if (offset < commit) this.finished.delete(offset);
    return commit;
  }
}
