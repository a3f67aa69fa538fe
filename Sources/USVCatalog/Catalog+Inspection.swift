import Foundation
import GRDB
import USVCore

/// A catalog's schema as found on disk, read without creating, migrating or writing anything (`usv info`).
public struct CatalogInspection: Sendable, Equatable {
    public var path: String
    /// False when there is no file at `path` (then nothing else is known).
    public var exists: Bool
    /// The migrations applied to it, in order (each is one schema step: "v1-verification", …).
    public var appliedMigrations: [String]
    /// The migrations this build knows; the schema is current when all of them are applied.
    public var knownMigrations: [String]
    /// Applied migrations this build does not know (a newer usv migrated it).
    public var unknownMigrations: [String]
    /// Why the file could not be read as a catalog, if it could not.
    public var problem: String?

    /// The schema version: the last migration applied ("v3-intervals"), nil when none is.
    public var schemaVersion: String? { appliedMigrations.last }
    public var isCurrent: Bool { problem == nil && appliedMigrations == knownMigrations && unknownMigrations.isEmpty }
}

extension Catalog {
    /// Inspects the catalog at `path` read-only. A missing file is reported as such, never created.
    public static func inspect(path: String) -> CatalogInspection {
        let migrator = CatalogSchema.migrator
        var inspection = CatalogInspection(path: path, exists: FileManager.default.fileExists(atPath: path), appliedMigrations: [],
                                           knownMigrations: migrator.migrations, unknownMigrations: [], problem: nil)
        guard inspection.exists else { return inspection }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            let database = try DatabaseQueue(path: path, configuration: configuration)
            try database.read { db in
                inspection.appliedMigrations = try migrator.appliedMigrations(db)
                let known = Set(migrator.migrations)
                inspection.unknownMigrations = try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
            }
        } catch let error as DatabaseError {
            inspection.problem = "not readable as a catalog: \(error.message ?? error.description)"
        } catch {
            inspection.problem = "not readable as a catalog: \(error)"
        }
        return inspection
    }
}
