/// The domain's arrays as `NDArray`s, for .npz and HDF5 export, in the layouts those tools' users expect.
extension NDArray {
    /// A spectrogram as float32 `[frames, rows]` (time × frequency), which is its storage order, so no copy
    /// is reordered.
    public init(name: String, spectrogram: Spectrogram) throws {
        try self.init(name: name, shape: [spectrogram.frames, spectrogram.rows], dtype: .float32, values: .float32(spectrogram.values))
    }

    /// A design matrix as float64 `[samples, features]`.
    public init(name: String, matrix: DesignMatrix) throws {
        try self.init(name: name, shape: [matrix.rows, matrix.columns], doubles: matrix.values)
    }

    /// Pieces of different lengths (e.g. one spectrogram per USV) as one flat float32 array `name` and an
    /// int64 array `name_offsets` of `pieces.count + 1` offsets: piece `i` is `values[offsets[i]..<offsets[i+1]]`.
    public static func ragged(name: String, pieces: [[Float]]) throws -> (values: NDArray, offsets: NDArray) {
        var offsets: [Int64] = [0]
        offsets.reserveCapacity(pieces.count + 1)
        for piece in pieces { offsets.append((offsets.last ?? 0) + Int64(piece.count)) }
        let flat = pieces.flatMap { $0 }
        return (try NDArray(name: name, shape: [flat.count], dtype: .float32, values: .float32(flat)),
                try NDArray(name: name + "_offsets", shape: [offsets.count], dtype: .int64, values: .signed(offsets)))
    }

    /// The pieces of a ragged pair made by `ragged(name:pieces:)`; a usage error when the offsets do not fit.
    public static func pieces(values: NDArray, offsets: NDArray) throws -> [[Float]] {
        guard case .float32(let flat) = values.values, case .signed(let bounds) = offsets.values else {
            throw USVError.usage("ragged arrays '\(values.name)' and '\(offsets.name)' must be float32 values and int64 offsets")
        }
        guard bounds.first == 0, bounds.last == Int64(flat.count), zip(bounds, bounds.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw USVError.usage("offsets '\(offsets.name)' do not cut '\(values.name)' (\(flat.count) values) into pieces")
        }
        return zip(bounds, bounds.dropFirst()).map { Array(flat[Int($0)..<Int($1)]) }
    }
}
