#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The member names of a zip file read from its central directory, byte for byte (see `ArchiveLocale` for why
/// libarchive's names are not enough). Only what the names need is read: the end-of-central-directory record (zip64
/// included) and the central directory itself.
enum ZipCentralDirectory {
    /// The names in local-header-offset order (libarchive's seekable zip reader order), or nil for a file that is not
    /// a well-formed zip. `read(offset, count)` returns exactly `count` bytes or nil.
    static func names(size: Int64, read: (Int64, Int) -> [UInt8]?) -> [[UInt8]]? {
        let tailLength = Int(min(size, 65_557))
        guard tailLength >= 22, let tail = read(size - Int64(tailLength), tailLength) else { return nil }
        // The end-of-central-directory record: the last "PK\5\6".
        var end: Int?
        for index in stride(from: tail.count - 22, through: 0, by: -1)
        where tail[index] == 0x50 && tail[index + 1] == 0x4B && tail[index + 2] == 5 && tail[index + 3] == 6 {
            end = index
            break
        }
        guard let end else { return nil }
        var count = Int64(le16(tail, end + 10))
        var directorySize = Int64(le32(tail, end + 12))
        var directoryOffset = Int64(le32(tail, end + 16))
        // zip64: the locator ("PK\6\7") just before points at the zip64 record ("PK\6\6").
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF, end >= 20,
           tail[end - 20] == 0x50, tail[end - 19] == 0x4B, tail[end - 18] == 6, tail[end - 17] == 7 {
            let recordOffset = Int64(bitPattern: le64(tail, end - 20 + 8))
            guard let record = read(recordOffset, 56), record[0] == 0x50, record[1] == 0x4B, record[2] == 6, record[3] == 6 else { return nil }
            count = Int64(bitPattern: le64(record, 32))
            directorySize = Int64(bitPattern: le64(record, 40))
            directoryOffset = Int64(bitPattern: le64(record, 48))
        }
        guard count >= 0, directorySize >= 0, directorySize < 1 << 31, directoryOffset >= 0,
              let directory = read(directoryOffset, Int(directorySize)) else { return nil }
        var entries: [(offset: Int64, name: [UInt8])] = []
        var position = 0
        while entries.count < count, position + 46 <= directory.count {
            guard directory[position] == 0x50, directory[position + 1] == 0x4B, directory[position + 2] == 1,
                  directory[position + 3] == 2 else { return nil }
            let nameLength = Int(le16(directory, position + 28))
            let extraLength = Int(le16(directory, position + 30))
            let commentLength = Int(le16(directory, position + 32))
            var offset = Int64(le32(directory, position + 42))
            let nameStart = position + 46
            guard nameStart + nameLength + extraLength <= directory.count else { return nil }
            if offset == 0xFFFF_FFFF {
                // The zip64 extra field (0x0001) holds, in order, the sizes that were 0xFFFFFFFF and then the offset.
                var skip = 0
                if le32(directory, position + 24) == 0xFFFF_FFFF { skip += 8 }
                if le32(directory, position + 20) == 0xFFFF_FFFF { skip += 8 }
                var extra = nameStart + nameLength
                let extraEnd = extra + extraLength
                while extra + 4 <= extraEnd {
                    let tag = le16(directory, extra), length = Int(le16(directory, extra + 2))
                    if tag == 1, extra + 4 + skip + 8 <= extraEnd { offset = Int64(bitPattern: le64(directory, extra + 4 + skip)) }
                    extra += 4 + length
                }
            }
            entries.append((offset, Array(directory[nameStart..<nameStart + nameLength])))
            position = nameStart + nameLength + extraLength + commentLength
        }
        return entries.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element.name)
    }

    /// The names of the zip file at `path`.
    static func names(file path: String) -> [[UInt8]]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        guard case .success(let status) = FileStatus.status(descriptor: descriptor), status.kind == .regular else { return nil }
        return names(size: status.size) { offset, count in
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done)) }
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { return nil }
                done += got
            }
            return bytes
        }
    }

    private static func le16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    private static func le32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(le16(bytes, at)) | UInt32(le16(bytes, at + 2)) << 16
    }
    private static func le64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        UInt64(le32(bytes, at)) | UInt64(le32(bytes, at + 4)) << 32
    }
}
