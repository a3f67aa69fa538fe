/// The Donders convention of naming a header-less table's columns in its file name:
/// `features_fileid_animalid_sex.csv` has the columns fileid, animalid and sex (the first part names the
/// table, underscores separate the names).
public enum HeaderInFileName {
    /// The column names stated by the file name of `path` (its directory is ignored). Only the extensions
    /// in `extensions` (with the dot, case-sensitive) are stripped, so a name like `a_b.c` keeps `b.c`
    /// unless told.
    public static func columns(fromFileName path: String, extensions: [String] = [".csv", ".tsv", ".txt"]) -> [String] {
        let name = FilePaths.lastComponent(path)
        let stem = extensions.first(where: { name.hasSuffix($0) }).map { String(name.dropLast($0.count)) } ?? name
        return stem.split(separator: "_").dropFirst().map(String.init)
    }
}

extension HeaderInFileName {
    /// A file name that states `columns` the Donders way (`prefix_col1_col2.ext`), for writing a table
    /// without a header row that still says what its columns are. Names containing `_` or `/` cannot be
    /// stated so and are refused.
    public static func fileName(prefix: String, columns: [String], extension ext: String = "csv") throws -> String {
        for name in [prefix] + columns where name.isEmpty || name.contains("_") || name.contains("/") {
            throw USVError.usage("'\(name)' cannot be part of a header-in-file-name table name (empty, or contains '_' or '/')")
        }
        return ([prefix] + columns).joined(separator: "_") + "." + ext
    }
}
