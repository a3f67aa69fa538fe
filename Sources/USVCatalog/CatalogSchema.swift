import GRDB

/// The catalog's migrations. A migration, once released, is never edited: changes come as new ones.
enum CatalogSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-verification") { db in
            try db.create(table: "verify_cache") { table in
                table.primaryKey("path", .text)
                table.column("size", .integer).notNull()
                table.column("mtime_ns", .integer).notNull()
                table.column("inode", .integer).notNull()
                table.column("device", .integer).notNull()
                table.column("sha256", .text).notNull()
                table.column("verified_at", .datetime).notNull()
            }
            try db.create(table: "verify_runs") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("started_at", .datetime).notNull()
                table.column("seconds", .double).notNull()
                table.column("root", .text).notNull()
                table.column("root_kind", .text).notNull()
                table.column("manifest_path", .text).notNull()
                table.column("manifest_sha256", .text).notNull()
                table.column("manifest_format", .text).notNull()
                table.column("entries", .integer).notNull()
                table.column("malformed_lines", .integer).notNull()
                table.column("bytes_hashed", .integer).notNull()
                table.column("cache_hits", .integer).notNull()
                table.column("summary_json", .text).notNull()
                table.column("exit_status", .integer).notNull()
            }
        }
        return migrator
    }
}
