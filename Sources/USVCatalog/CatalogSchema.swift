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
        migrator.registerMigration("v2-data-model") { db in
            try db.create(table: "datasets") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("name", .text).notNull()
                table.column("root", .text).notNull().unique()
                table.column("handle", .text)
                table.column("licence", .text)
                table.column("acknowledgement", .text)
                table.column("adapter", .text).notNull()
                table.column("adapter_version", .text).notNull()
                table.column("manifest_sha256", .text)
                table.column("verification_state", .text).notNull()
                table.column("verified_at", .datetime)
            }
            try db.create(table: "ingest_runs") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("dataset_id", .integer).notNull().references("datasets")
                table.column("started_at", .datetime).notNull()
                table.column("finished_at", .datetime)
                table.column("status", .text).notNull()
                table.column("options_json", .text).notNull()
                table.column("summary_json", .text)
            }
            try db.create(table: "provenance") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("ingest_run_id", .integer).notNull().references("ingest_runs")
                table.column("source_file", .text).notNull()
                table.column("source_sha256", .text)
                table.column("archive_member", .text)
                table.column("sample_start", .integer)
                table.column("sample_end", .integer)
                table.column("line", .integer)
            }
            try db.create(table: "animals") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("dataset_id", .integer).notNull().references("datasets", onDelete: .cascade)
                table.column("dataset_animal_id", .integer).notNull()
                table.column("original_name", .text).notNull()
                table.column("id_convention", .text).notNull()
                table.column("sex", .integer)
                table.column("genotype", .text).notNull()
                table.column("partner", .text)
                table.uniqueKey(["dataset_id", "dataset_animal_id"])
            }
            try db.create(table: "recordings") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("dataset_id", .integer).notNull().references("datasets", onDelete: .cascade)
                table.column("path", .text).notNull()
                table.column("archive_member", .text).notNull().defaults(to: "")
                table.column("animal_id", .integer).references("animals")
                table.column("state", .text).notNull()
                table.column("error", .text)
                table.column("sha256", .text)
                table.column("sample_rate", .integer)
                table.column("bit_depth", .integer)
                table.column("channels", .integer)
                table.column("frames", .integer)
                table.column("duration", .double)
                table.column("detector", .text)
                table.column("detector_version", .text)
                table.column("detector_parameters", .text)
                table.column("usv_count", .integer)
                table.column("ingest_run_id", .integer).notNull().references("ingest_runs")
                table.uniqueKey(["dataset_id", "path", "archive_member"])
            }
            try db.create(table: "usvs") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("dataset_id", .integer).notNull().references("datasets", onDelete: .cascade)
                table.column("recording_id", .integer).references("recordings", onDelete: .cascade)
                table.column("animal_id", .integer).references("animals")
                table.column("source", .text).notNull()
                table.column("start_s", .double)
                table.column("stop_s", .double)
                table.column("start_sample", .integer)
                table.column("stop_sample", .integer)
                table.column("duration", .double)
                table.column("min_frequency", .double)
                table.column("max_frequency", .double)
                table.column("peak_amplitude", .double)
                table.column("mean_amplitude", .double)
                table.column("deposited_fileid", .integer)
                table.column("detector", .text)
                table.column("detector_version", .text)
                table.column("detector_parameters", .text)
                table.column("provenance_id", .integer).notNull().references("provenance")
            }
            try db.create(index: "usvs_on_fileid", on: "usvs", columns: ["dataset_id", "deposited_fileid"])
            try db.create(table: "annotations") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("usv_id", .integer).notNull().references("usvs", onDelete: .cascade)
                table.column("annotator", .text).notNull()
                table.column("direction", .integer).notNull()
                table.column("peaks", .integer).notNull()
                table.column("breaks", .integer).notNull()
                table.column("broadband", .double).notNull()
                table.column("tremolo", .double).notNull()
                table.column("complex", .double).notNull()
                table.column("provenance_id", .integer).notNull().references("provenance")
            }
            try db.create(table: "features") { table in
                table.column("usv_id", .integer).notNull().references("usvs", onDelete: .cascade)
                table.column("plugin", .text).notNull()
                table.column("plugin_version", .text).notNull()
                table.column("parameters", .text).notNull()
                table.column("name", .text).notNull()
                table.column("value", .double)
                table.column("vector", .blob)
                table.primaryKey(["usv_id", "plugin", "parameters", "name"])
            }
            try db.create(table: "ingested_tables") { table in
                table.column("dataset_id", .integer).notNull().references("datasets", onDelete: .cascade)
                table.column("path", .text).notNull()
                table.column("sha256", .text).notNull()
                table.column("rows", .integer).notNull()
                table.column("state", .text).notNull()
                table.column("error", .text)
                table.column("ingest_run_id", .integer).notNull().references("ingest_runs")
                table.primaryKey(["dataset_id", "path"])
            }
            try db.create(table: "models") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("plugin", .text).notNull()
                table.column("plugin_version", .text).notNull()
                table.column("task", .text).notNull()
                table.column("file_sha256", .text).notNull().unique()
                table.column("card_json", .text).notNull()
                table.column("created_at", .datetime).notNull()
            }
            try db.create(table: "predictions") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("model_id", .integer).notNull().references("models", onDelete: .cascade)
                table.column("usv_id", .integer).notNull().references("usvs", onDelete: .cascade)
                table.column("label", .text).notNull()
                table.column("probability", .double)
                table.column("created_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3-intervals") { db in
            // Intervals imported from annotation tools (Raven, Audacity, crowsetta generic-seq), attached to a
            // recording, with the detected USV that overlaps each most.
            try db.create(table: "intervals") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("recording_id", .integer).notNull().references("recordings", onDelete: .cascade)
                table.column("onset_s", .double).notNull()
                table.column("offset_s", .double).notNull()
                table.column("label", .text).notNull()
                table.column("low_frequency", .double)
                table.column("high_frequency", .double)
                table.column("channel", .integer).notNull()
                table.column("usv_id", .integer).references("usvs", onDelete: .setNull)
                table.column("overlap", .double)
                table.column("source_file", .text).notNull()
                table.column("source_sha256", .text).notNull()
                table.column("format", .text).notNull()
                table.column("imported_at", .datetime).notNull()
            }
            try db.create(index: "intervals_on_recording", on: "intervals", columns: ["recording_id", "onset_s"])
        }
        migrator.registerMigration("v4-verify-cache-algorithms") { db in
            // The verify cache keyed by path bytes and algorithm, with the ctime beside size, mtime, inode and device
            // (a write with the mtime set back still changes the ctime). It is a cache: the old rows, keyed by text
            // and without ctime, are dropped and the next run hashes again.
            try db.drop(table: "verify_cache")
            try db.create(table: "verify_cache") { table in
                table.column("path", .blob).notNull()
                table.column("algorithm", .text).notNull()
                table.column("size", .integer).notNull()
                table.column("mtime_ns", .integer).notNull()
                table.column("ctime_ns", .integer).notNull()
                table.column("inode", .integer).notNull()
                table.column("device", .integer).notNull()
                table.column("digest", .text).notNull()
                table.column("verified_at", .datetime).notNull()
                table.primaryKey(["path", "algorithm"])
            }
            try db.alter(table: "verify_runs") { table in
                table.add(column: "mode", .text).notNull().defaults(to: "incremental")
                table.add(column: "files_hashed", .integer).notNull().defaults(to: 0)
                table.add(column: "files_trusted", .integer).notNull().defaults(to: 0)
            }
        }
        return migrator
    }
}
