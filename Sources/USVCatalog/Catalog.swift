import Foundation
import GRDB
import USVCore

/// The SQLite catalog: the one meeting point of verification, ingest, features and models.
/// Every table is created by a numbered migration (see `CatalogSchema`) and documented in
/// `schemas/catalog.md`. The database is opened in WAL mode so readers never block a writing run.
public final class Catalog: Sendable {
    public let path: String
    let database: DatabaseQueue

    /// Opens (creating if needed, with its parent folders) the catalog at `path` and migrates it.
    public init(path: String) throws {
        self.path = path
        let directory = FilePaths.directoryPart(path)
        if !directory.isEmpty { try makeDirectories(directory) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            }
            try CatalogSchema.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw USVError.io(path: path, reason: "cannot open the catalog: \(error.message ?? error.description)")
        }
    }

    /// `$USV_CATALOG`, else `~/.local/share/usv/catalog.sqlite`.
    public static var defaultPath: String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["USV_CATALOG"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return FilePaths.join(home, ".local/share/usv/catalog.sqlite")
    }

    /// Names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try database.read { db in try CatalogSchema.migrator.appliedMigrations(db) }
    }
}
