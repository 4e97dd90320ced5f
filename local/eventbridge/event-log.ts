/**
 * The event log: every event a bus received with the rules it matched and each delivery's outcome,
 * kept in memory and persisted as `events.jsonl` so a restart keeps the history and resumes what
 * was left unfinished.
 */
import type { DeliveryRecord, EventRecord } from './model';
import type { JsonLinesFiles } from './persistence';

const FILE = 'events.jsonl';

export class EventLog {
  private readonly records: Array<{ bus: string; record: EventRecord }> = [];
  private readonly recordsById = new Map<string, EventRecord>();
  /**
   * Records by their place in the log. A replay logs its event again under the same id, so
   * deliveries are logged against the record's `seq`, not only its event id.
   */
  private readonly recordsBySeq = new Map<number, { record: EventRecord; ingestionTime: number }>();
  private readonly seqOfRecord = new WeakMap<EventRecord, number>();
  private readonly seqOfDelivery = new WeakMap<DeliveryRecord, number>();
  private nextSeq = 0;

  constructor(private readonly files: JsonLinesFiles) {}

  /** Every record with the bus it was put on, oldest first. */
  all(): ReadonlyArray<{ bus: string; record: EventRecord }> {
    return this.records;
  }

  /** Records that have a `seq` (all written since records had one), with their ingestion time. */
  sequenced(): Iterable<{ record: EventRecord; ingestionTime: number }> {
    return this.recordsBySeq.values();
  }

  append(bus: string, record: EventRecord, ingestionTime: number): void {
    const seq = this.nextSeq++;
    this.records.push({ bus, record });
    this.recordsById.set(record.event.id, record);
    this.recordsBySeq.set(seq, { record, ingestionTime });
    this.seqOfRecord.set(record, seq);
    this.files.append(FILE, {
      type: 'event',
      seq,
      bus,
      event: record.event,
      matchedRules: record.matchedRules,
      ingestionTime,
    });
  }

  /** Adds a delivery to its event's record, so its outcome is logged against that record. */
  addDelivery(record: EventRecord, delivery: DeliveryRecord, at = record.deliveries.length): void {
    record.deliveries[at] = delivery;
    const seq = this.seqOfRecord.get(record);
    if (seq !== undefined) this.seqOfDelivery.set(delivery, seq);
  }

  persistDelivery(eventId: string, delivery: DeliveryRecord): void {
    const seq = this.seqOfDelivery.get(delivery);
    this.files.append(FILE, {
      type: 'delivery',
      eventId,
      ...(seq !== undefined && { seq }),
      ...delivery,
    });
  }

  /** Reads back what an earlier run persisted. */
  load(): void {
    for (const line of this.files.read(FILE)) {
      if (line.type === 'event') {
        const record: EventRecord = {
          event: line.event,
          ingestedAt: new Date(Number(line.ingestionTime ?? Date.parse(line.event.time))).toISOString(),
          matchedRules: line.matchedRules ?? [],
          deliveries: [],
        };
        this.records.push({ bus: line.bus, record });
        this.recordsById.set(record.event.id, record);
        if (typeof line.seq === 'number') {
          this.recordsBySeq.set(line.seq, { record, ingestionTime: Number(line.ingestionTime) });
          this.seqOfRecord.set(record, line.seq);
          this.nextSeq = Math.max(this.nextSeq, line.seq + 1);
        }
      } else if (line.type === 'delivery') {
        const record =
          typeof line.seq === 'number'
            ? this.recordsBySeq.get(line.seq)?.record
            : this.recordsById.get(line.eventId);
        if (record === undefined) continue;
        const delivery: DeliveryRecord = {
          rule: line.rule,
          target: line.target,
          attempts: line.attempts,
          outcome: line.outcome,
        };
        if (line.error !== undefined) delivery.error = line.error;
        const existing = record.deliveries.findIndex(
          (d) => d.rule === delivery.rule && d.target === delivery.target,
        );
        this.addDelivery(record, delivery, existing >= 0 ? existing : record.deliveries.length);
      }
    }
  }
}
