// What the mock upstreams saw, in arrival order. Attempts are counted per
// request id across every mock of a fleet, so a retry that lands on another
// replica is still attempt 2.

import type { JournalEntry } from '../model/upstream.ts';

export type NewJournalEntry = Omit<JournalEntry, 'seq' | 'attempt'>;

export class Journal {
  private list: JournalEntry[] = [];
  private nextSeq = 1;
  private tries = new Map<string, number>();

  /** Record an arriving try; seq and attempt are assigned here. The returned entry is live (the mock fills in status). */
  append(entry: NewJournalEntry): JournalEntry {
    let attempt = 1;
    if (entry.requestId !== undefined) {
      attempt = (this.tries.get(entry.requestId) ?? 0) + 1;
      this.tries.set(entry.requestId, attempt);
    }
    const full: JournalEntry = { ...entry, seq: this.nextSeq++, attempt };
    this.list.push(full);
    return full;
  }

  /** Every entry, oldest first (a copy of the list). */
  entries(): JournalEntry[] {
    return [...this.list];
  }

  /** The tries of one request id, in arrival order. */
  forRequest(requestId: string): JournalEntry[] {
    return this.list.filter((e) => e.requestId === requestId);
  }

  /** How many entries match (all when no filter). */
  count(filter?: (e: JournalEntry) => boolean): number {
    return filter ? this.list.filter(filter).length : this.list.length;
  }

  /** Entries with seq greater than `seq`. */
  since(seq: number): JournalEntry[] {
    return this.list.filter((e) => e.seq > seq);
  }

  /** The seq of the newest entry (0 when empty), for a later since(). */
  lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Forget every entry and every attempt count; seq keeps growing so since() stays meaningful. */
  clear(): void {
    this.list = [];
    this.tries.clear();
  }
}
