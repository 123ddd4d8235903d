import { Schema } from "effect"

// What can go wrong with the store's disk. Only DataDirLocked stops the service from starting;
// the others switch the store to memory-only (or move a damaged file aside) and become the
// status that /health shows, so their messages are written for the owner of the machine.

/** Another process holds the database: two writers on one directory would corrupt it. */
export class DataDirLocked extends Schema.TaggedError<DataDirLocked>()("DataDirLocked", {
  path: Schema.String,
  holder: Schema.String
}) {
  override get message(): string {
    return (
      `${this.path} is in use by another system-profiler (${this.holder}); two processes must not share ` +
      "SYSTEM_PROFILER_DATA_DIR: stop the other one or give this one its own directory"
    )
  }
}

/** The file is not a SQLite database, or SQLite found it damaged. */
export class DatabaseDamaged extends Schema.TaggedError<DatabaseDamaged>()("DatabaseDamaged", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path} is damaged (${this.detail})`
  }
}

export class DiskReadOnly extends Schema.TaggedError<DiskReadOnly>()("DiskReadOnly", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.path} is read-only (${this.detail})`
  }
}

export class DiskFull extends Schema.TaggedError<DiskFull>()("DiskFull", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `the disk of ${this.path} is full (${this.detail})`
  }
}

/** Cannot create, open or write the file for another reason (permissions, I/O errors). */
export class DiskUnavailable extends Schema.TaggedError<DiskUnavailable>()("DiskUnavailable", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot write ${this.path} (${this.detail})`
  }
}

/** A database written by a newer version of the service: left untouched, never downgraded. */
export class SchemaTooNew extends Schema.TaggedError<SchemaTooNew>()("SchemaTooNew", {
  path: Schema.String,
  found: Schema.Int,
  supported: Schema.Int
}) {
  override get message(): string {
    return `${this.path} has schema version ${this.found}; this version of the service reads up to ${this.supported}`
  }
}

/** A database that some other program wrote: left untouched. */
export class ForeignDatabase extends Schema.TaggedError<ForeignDatabase>()("ForeignDatabase", {
  path: Schema.String
}) {
  override get message(): string {
    return `${this.path} is a SQLite database of another program; move it away or choose another SYSTEM_PROFILER_DATA_DIR`
  }
}

export const StoreFault = Schema.Union([
  DataDirLocked,
  DatabaseDamaged,
  DiskReadOnly,
  DiskFull,
  DiskUnavailable,
  SchemaTooNew,
  ForeignDatabase
])
export type StoreFault = typeof StoreFault.Type

export class HistoryStoreError extends Schema.TaggedError<HistoryStoreError>()("HistoryStoreError", {
  reason: StoreFault
}) {
  override get message(): string {
    return `history store: ${this.reason.message}`
  }
}

/** A window or step a query cannot use; the message names what is accepted. */
export class InvalidHistoryQuery extends Schema.TaggedError<InvalidHistoryQuery>()("InvalidHistoryQuery", {
  parameter: Schema.Literals(["window", "step"]),
  accepts: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `${this.parameter}: ${this.problem}; it accepts ${this.accepts}`
  }
}

/** A journal record the store does not take; the message says which rule it broke. */
export class JournalRecordRejected extends Schema.TaggedError<JournalRecordRejected>()("JournalRecordRejected", {
  kind: Schema.String,
  problem: Schema.Literals(["unknown-kind", "bad-time", "too-large", "not-json"]),
  detail: Schema.String
}) {
  override get message(): string {
    return `history store: journal record of kind "${this.kind.slice(0, 40)}" refused (${this.problem}): ${this.detail}`
  }
}
