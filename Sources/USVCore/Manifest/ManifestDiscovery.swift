/// Which manifest files of a data-set root `usv verify` reads, in a documented order (README, `usv verify`).
///
/// 1. `bagit.txt` beside `manifest-<alg>.txt` files: a BagIt bag. Every payload manifest and tag manifest is read
///    (as bagit.py does); each file is checked against its strongest digest (all of them with `--all-manifests`).
/// 2. `MANIFEST.txt` (the Donders data set and its synthetic twin; dialect and algorithm detected).
/// 3. `manifest-<alg>.txt` without `bagit.txt`: taken as a bag, which is then invalid for the missing `bagit.txt`.
/// 4. The strongest checksum file present, strongest first: SHA-512, SHA-384, SHA-256, SHA-1, MD5, each as
///    `SHA512SUMS`, `sha512sums`, `SHA512SUMS.txt`, `sha512sums.txt`, `CHECKSUM.SHA512`, `CHECKSUMS.SHA512`,
///    `checksums.sha512`, then every `*.sha512` file of the root together (likewise for the others).
/// 5. Files whose algorithm only their lines tell: `distinfo`, `CHECKSUMS`, `checksums.txt`, `SHASUMS`.
///
/// The first group found is used; `--all-manifests` reads every group found and checks every digest. Every
/// recognised manifest file at the root is left out of the `unlisted` files, whether it was read or not.
public enum ManifestDiscovery {
    public enum Role: String, Codable, Sendable {
        /// A BagIt payload manifest (`manifest-<alg>.txt`).
        case payload
        /// A BagIt tag manifest (`tagmanifest-<alg>.txt`): its entries are the bag's tag files.
        case tag
        /// Any other checksum file.
        case checksums
    }

    /// What to read in a root.
    public struct Selection: Sendable, Equatable {
        /// True for a BagIt bag (a `bagit.txt`, or BagIt manifests).
        public var isBag: Bool
        /// The manifest file names to read, in order, with their roles.
        public var manifests: [(name: String, role: Role)]
        /// Every recognised manifest name in the root (never reported as unlisted).
        public var recognised: Set<String>

        public static func == (lhs: Selection, rhs: Selection) -> Bool {
            lhs.isBag == rhs.isBag && lhs.recognised == rhs.recognised
                && lhs.manifests.map(\.name) == rhs.manifests.map(\.name) && lhs.manifests.map(\.role) == rhs.manifests.map(\.role)
        }
    }

    /// The checksum-file groups of step 4, strongest first.
    static let algorithmGroups: [(algorithm: HashAlgorithm, names: [String], suffix: String)] = [
        (.sha512, ["SHA512SUMS", "sha512sums", "SHA512SUMS.txt", "sha512sums.txt", "CHECKSUM.SHA512", "CHECKSUMS.SHA512", "checksums.sha512"], "sha512"),
        (.sha384, ["SHA384SUMS", "sha384sums", "SHA384SUMS.txt", "sha384sums.txt", "CHECKSUM.SHA384", "CHECKSUMS.SHA384", "checksums.sha384"], "sha384"),
        (.sha256, ["SHA256SUMS", "sha256sums", "SHA256SUMS.txt", "sha256sums.txt", "CHECKSUM.SHA256", "CHECKSUMS.SHA256", "checksums.sha256"], "sha256"),
        (.sha1, ["SHA1SUMS", "sha1sums", "SHA1SUMS.txt", "sha1sums.txt", "CHECKSUM.SHA1", "CHECKSUMS.SHA1", "checksums.sha1"], "sha1"),
        (.md5, ["MD5SUMS", "md5sums", "MD5SUMS.txt", "md5sums.txt", "CHECKSUM.MD5", "CHECKSUMS.MD5", "checksums.md5"], "md5"),
    ]

    /// Step 5: names whose lines say the algorithm.
    static let genericNames = ["distinfo", "CHECKSUMS", "checksums.txt", "SHASUMS"]

    /// Every fixed name, in search order (globs and BagIt names aside).
    public static var fixedNames: [String] {
        ["MANIFEST.txt"] + algorithmGroups.flatMap(\.names) + genericNames
    }

    /// Chooses among `names`, the regular files directly in a root.
    public static func select(names: [String], all: Bool) -> Selection {
        let present = Set(names)
        var recognised: Set<String> = []
        var groups: [(isBag: Bool, manifests: [(name: String, role: Role)])] = []

        let bagManifests = bagItManifests(in: names)
        recognised.formUnion(bagManifests.map(\.name))
        let hasBagItTxt = present.contains("bagit.txt")
        if hasBagItTxt && bagManifests.contains(where: { $0.role == .payload }) { groups.append((true, bagManifests)) }
        if present.contains("MANIFEST.txt") {
            recognised.insert("MANIFEST.txt")
            groups.append((false, [("MANIFEST.txt", .checksums)]))
        }
        if !bagManifests.isEmpty && !groups.contains(where: \.isBag) { groups.append((true, bagManifests)) }
        for group in algorithmGroups {
            let fixed = group.names.filter(present.contains)
            let globbed = names.filter { name in
                name.lowercased().hasSuffix("." + group.suffix) && !group.names.contains(name) && name.count > group.suffix.count + 1
            }.sorted()
            let found = fixed + globbed
            recognised.formUnion(found)
            if !found.isEmpty { groups.append((false, found.map { ($0, .checksums) })) }
        }
        let generic = genericNames.filter(present.contains)
        recognised.formUnion(generic)
        if !generic.isEmpty { groups.append((false, generic.map { ($0, .checksums) })) }

        // A bag found in step 1 wins; otherwise the first group, or every group with --all-manifests.
        guard let first = groups.first else { return Selection(isBag: hasBagItTxt, manifests: [], recognised: recognised) }
        let chosen = all ? groups : [first]
        var manifests: [(name: String, role: Role)] = []
        for group in chosen { for manifest in group.manifests where !manifests.contains(where: { $0.name == manifest.name }) { manifests.append(manifest) } }
        return Selection(isBag: chosen.contains { $0.isBag }, manifests: manifests, recognised: recognised)
    }

    /// True for a name worth reading when looking for manifests in an archive: every name `select` recognises, and
    /// a bag's `bagit.txt`, `bag-info.txt`, `package-info.txt` and `fetch.txt`.
    public static func isInteresting(_ name: String) -> Bool {
        ["bagit.txt", "bag-info.txt", "package-info.txt", "fetch.txt"].contains(name)
            || !select(names: [name], all: true).recognised.isEmpty
    }

    /// `manifest-<alg>.txt` then `tagmanifest-<alg>.txt` among `names`, strongest algorithm first (unknown ones last).
    static func bagItManifests(in names: [String]) -> [(name: String, role: Role)] {
        func strength(_ name: String) -> Int {
            guard let algorithm = try? ManifestParser.bagItAlgorithm(fileName: name) else { return -1 }
            return HashAlgorithm.allCases.firstIndex(of: algorithm) ?? -1
        }
        let payload = names.filter { $0.hasPrefix("manifest-") && $0.hasSuffix(".txt") }.sorted { (strength($0), $1) > (strength($1), $0) }
        let tag = names.filter { $0.hasPrefix("tagmanifest-") && $0.hasSuffix(".txt") }.sorted { (strength($0), $1) > (strength($1), $0) }
        return payload.map { ($0, .payload) } + tag.map { ($0, .tag) }
    }
}
