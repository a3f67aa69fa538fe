import Foundation
import USVCore

/// Where the Donders data set keeps its per-USV MAT-files (with the trained networks).
public let perUSVArchivePath = "Data/Spectrogram2GenderSingleRecordingsTestsetTrainedNetworks/data.zip"

/// Adds the per-USV archive to the synthetic twin at `root`, as the Donders data set has it (`usv synth` does not
/// write it): one `data/dataNNNNNNNNN.mat` per ground-truth USV with a fileid, holding struct `v` from `value`,
/// then `extraMembers` (name → bytes, e.g. a network checkpoint that is not a MAT-file), and lists the archive in
/// `MANIFEST.txt`. `scratch` is a path for the one temporary MAT-file. Returns the number of MAT-files.
@discardableResult
public func addPerUSVArchive(root: String, matlab: any MATLABWriting, scratch: String, extraMembers: [(String, [UInt8])] = [],
                             value: (GroundTruthCall) -> MATValue) throws -> Int {
    let archive = FilePaths.join(root, perUSVArchivePath)
    try makeDirectories(FilePaths.directoryPart(archive))
    let writer = try ArchiveWriter(path: archive, format: .zip(compress: true))
    var written = 0
    for call in try readGroundTruth(root: root) {
        guard let fileID = Int(call.fields["fileid"] ?? "") else { continue }
        try matlab.writeMATLAB([("v", value(call))], to: scratch, version: "v5")
        try writer.add(member: String(format: "data/data%09d.mat", fileID), copying: scratch)
        written += 1
    }
    for (name, bytes) in extraMembers { try writer.add(member: name, bytes: bytes) }
    try writer.close()
    switch FileHasher().hash(path: archive) {
    case .success(let hashed):
        let manifest = FilePaths.join(root, "MANIFEST.txt")
        try writeWholeFile(manifest, bytes: try readWholeFile(manifest, limit: 1 << 20) + Array("\(hashed.sha256) \(perUSVArchivePath)\n".utf8))
    case .failure(let failure):
        throw USVError.io(path: archive, reason: "cannot hash the archive: \(failure)")
    }
    return written
}
