/*
 * components.ts - schema versions of the parts that share the gateway's SQLite file beside the
 * queue (whose version is `PRAGMA user_version`): each keeps its number in
 * `schema_versions(component, version)`, so the parts upgrade independently.
 *
 * Promise: the missing versions are applied each in an IMMEDIATE transaction that re-reads the
 * version, so a daemon and a CLI opening a new file at once do not both create the tables. A
 * new file gets every version in one transaction and then `seed`, so the seed writes the current
 * columns exactly once in the life of the file. A file from a newer release is refused with the
 * component's error code. Returns the version the file was at before (0: the tables were just
 * created).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { GatewayError, type ErrorCode } from '../errors.js';

export interface ComponentSchema {
  /** 'accounts', 'inbound'. */
  readonly component: string;
  /** Index i holds the SQL that takes the component from version i to i + 1. */
  readonly migrations: readonly string[];
  /** Said when the file is from a newer release. */
  readonly newerCode: ErrorCode;
  /** What the tables are, for that message ("the accounts tables"). */
  readonly what: string;
}

export function migrateComponent(db: BetterSqlite3.Database, schema: ComponentSchema, seed: () => void = () => undefined): number {
  const { component, migrations } = schema;
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT');
  const read = db.prepare('SELECT version FROM schema_versions WHERE component = ?');
  const write = db.prepare('INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version');
  const versionNow = (): number => (read.get(component) as { version: number } | undefined)?.version ?? 0;
  const before = versionNow();
  if (before > migrations.length) {
    throw new GatewayError(schema.newerCode, `${schema.what} are at schema version ${before}, newer than this release knows (${migrations.length})`);
  }
  const step = db.transaction(() => {
    const version = versionNow();
    if (version >= migrations.length) return false;
    const upTo = version === 0 ? migrations.length : version + 1;
    for (let v = version; v < upTo; v += 1) db.exec(migrations[v] as string);
    write.run(component, upTo);
    if (version === 0) seed();
    return true;
  });
  while (step.immediate()) {
    // one version per transaction
  }
  return before;
}
