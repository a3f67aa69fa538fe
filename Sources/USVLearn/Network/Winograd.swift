/// Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast algorithms for convolutional neural networks",
/// 2016) for 3×3 stride-1 SAME convolutions of channel-last images: each 2×2 output tile costs 16
/// multiplications per (input channel, filter) pair instead of 36. An input transform Bᵀ·d·B per 4×4 input tile,
/// 16 matrix products (tiles × channels)·(channels × filters), one per transformed position, and an output
/// transform Aᵀ·m·A per tile. The paper's network spends more than half its multiply-adds in such layers.
///
/// Channel and filter counts must be multiples of 8 (the transforms move 8 channels at a time) and at least 16:
/// below that the 16 thin matrix products cost more than the multiplications saved (the `fast` preset's 8-channel
/// layers trained at about 480 images/s with Winograd, 590 without).
final class WinogradConvolution {
    let height: Int
    let width: Int
    private let tilesY: Int
    private let tilesX: Int
    /// The padded image: one zero row and column before, enough after to fill the last tiles.
    private let paddedHeight: Int
    private let paddedWidth: Int
    private let padded = ScratchBuffer()  // per sample: paddedHeight × paddedWidth × channels
    private let transformedInput = ScratchBuffer()
    private let products = ScratchBuffer()

    init(height: Int, width: Int) {
        self.height = height
        self.width = width
        tilesY = (height + 1) / 2
        tilesX = (width + 1) / 2
        paddedHeight = 2 * tilesY + 2
        paddedWidth = 2 * tilesX + 2
    }

    static func supports(input: ImageShape, filters: Int, kernel: (height: Int, width: Int), stride: (y: Int, x: Int)) -> Bool {
        kernel == (3, 3) && stride == (1, 1) && input.channels % 8 == 0 && filters % 8 == 0 && input.channels >= 16 && filters >= 16
    }

    private var tiles: Int { tilesY * tilesX }

    /// U = G·g·Gᵀ of a TensorFlow-layout 3×3 kernel (3, 3, channels, filters) as 16 matrices channels × filters.
    static func transformKernel(_ kernel: UnsafePointer<Float>, channels: Int, filters: Int,
                                into transformed: UnsafeMutablePointer<Float>) {
        let plane = channels * filters
        for i in 0..<channels {
            for o in 0..<filters {
                // g[u][v] of this (channel, filter) pair.
                func g(_ u: Int, _ v: Int) -> Float { kernel[(u * 3 + v) * plane + i * filters + o] }
                // t = G·g (4 × 3), column by column, then U = t·Gᵀ row by row; G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
                func gColumn(_ v: Int) -> (Float, Float, Float, Float) {
                    let (g0, g1, g2) = (g(0, v), g(1, v), g(2, v))
                    return (g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2)
                }
                let (t0, t1, t2) = (gColumn(0), gColumn(1), gColumn(2))
                func store(row r: Int, _ a: Float, _ b: Float, _ c: Float) {
                    let target = transformed + r * 4 * plane + i * filters + o
                    target[0] = a
                    target[plane] = (a + b + c) / 2
                    target[2 * plane] = (a - b + c) / 2
                    target[3 * plane] = c
                }
                store(row: 0, t0.0, t1.0, t2.0)
                store(row: 1, t0.1, t1.1, t2.1)
                store(row: 2, t0.2, t1.2, t2.2)
                store(row: 3, t0.3, t1.3, t2.3)
            }
        }
    }

    /// y = x ⋆ g for `samples` images of `channels` channels into `filters` channels, with `kernel` from
    /// `transformKernel` (16 × channels × filters).
    func convolve(_ x: UnsafePointer<Float>, samples: Int, channels: Int, filters: Int, kernel: UnsafePointer<Float>,
                  into y: UnsafeMutablePointer<Float>) {
        let (tiles, outputCount) = (tiles, height * width * filters)
        forEachChunk(of: x, samples: samples, channels: channels, filters: filters) { first, count, rows, v, m in
            for position in 0..<16 {
                sgemm(false, false, m: rows, n: filters, k: channels, v + position * rows * channels, channels,
                      kernel + position * channels * filters, filters, beta: 0, m + position * rows * filters, filters)
            }
            onEveryCore(count) { sample in
                transformOutput(m, filters: filters, firstTile: sample * tiles, rows: rows, into: y + (first + sample) * outputCount)
            }
        }
    }

    /// The kernel gradient in the transformed domain, dU[position] += Vᵀ·dM over the samples' tiles, with V
    /// recomputed from the layer input `x` (keeping it from the forward pass would cost more memory than the
    /// transform costs time) and dM = A·dY·Aᵀ per tile, the adjoint of the output transform, in the products'
    /// buffer. `addKernelGradient` takes dU back to the 3×3 kernel.
    func accumulateTransformedKernelGradient(_ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, samples: Int,
                                             channels: Int, filters: Int, into transformedGradient: UnsafeMutablePointer<Float>) {
        let (tiles, outputCount) = (tiles, height * width * filters)
        forEachChunk(of: x, samples: samples, channels: channels, filters: filters, besideEachInput: { sample, first, rows, dm in
            transformOutputGradient(dy + (first + sample) * outputCount, filters: filters, firstTile: sample * tiles, rows: rows, into: dm)
        }) { _, _, rows, v, dm in
            for position in 0..<16 {
                sgemm(true, false, m: channels, n: filters, k: rows, v + position * rows * channels, channels,
                      dm + position * rows * filters, filters, beta: 1, transformedGradient + position * channels * filters, filters)
            }
        }
    }

    /// Pads and input-transforms the images chunk by chunk (about 64 MB of transforms per chunk) on every core,
    /// runs `besideEachInput(sample in chunk, chunk's first sample, tile rows, products buffer)` on the same
    /// core after each image's transform, then `body(first sample, sample count, tile rows, V, products buffer)`.
    private func forEachChunk(of x: UnsafePointer<Float>, samples: Int, channels: Int, filters: Int,
                              besideEachInput: (Int, Int, Int, UnsafeMutablePointer<Float>) -> Void = { _, _, _, _ in },
                              _ body: (Int, Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let tiles = tiles, paddedCount = paddedHeight * paddedWidth * channels, inputCount = height * width * channels
        let chunk = max(1, (16 << 20) / (16 * tiles * max(channels, filters)))
        let largest = min(samples, chunk)
        padded.reserve(largest * paddedCount)
        transformedInput.reserve(16 * largest * tiles * channels)
        products.reserve(16 * largest * tiles * filters)
        let (paddedImages, v, m) = (padded.pointer, transformedInput.pointer, products.pointer)
        for first in stride(from: 0, to: samples, by: chunk) {
            let count = min(chunk, samples - first), rows = count * tiles
            onEveryCore(count) { sample in
                let image = paddedImages + sample * paddedCount
                pad(x + (first + sample) * inputCount, channels: channels, into: image)
                transformInput(image, channels: channels, firstTile: sample * tiles, rows: rows, into: v)
                besideEachInput(sample, first, rows, m)
            }
            body(first, count, rows, v, m)
        }
    }

    /// dW += Gᵀ·dU·G per (channel, filter) pair: the adjoint of `transformKernel`.
    static func addKernelGradient(_ transformedGradient: UnsafePointer<Float>, channels: Int, filters: Int,
                                  to gradient: UnsafeMutablePointer<Float>) {
        let plane = channels * filters
        // Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1] applied to four values.
        func gTranspose(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (Float, Float, Float) {
            (a + (b + c) / 2, (b - c) / 2, (b + c) / 2 + d)
        }
        for pair in 0..<plane {
            func du(_ r: Int, _ q: Int) -> Float { transformedGradient[(r * 4 + q) * plane + pair] }
            // Rows first (over q), then columns (over r).
            let (r0, r1, r2, r3) = (gTranspose(du(0, 0), du(0, 1), du(0, 2), du(0, 3)), gTranspose(du(1, 0), du(1, 1), du(1, 2), du(1, 3)),
                                    gTranspose(du(2, 0), du(2, 1), du(2, 2), du(2, 3)), gTranspose(du(3, 0), du(3, 1), du(3, 2), du(3, 3)))
            func add(column v: Int, _ values: (Float, Float, Float)) {
                gradient[v * plane + pair] += values.0
                gradient[(3 + v) * plane + pair] += values.1
                gradient[(6 + v) * plane + pair] += values.2
            }
            add(column: 0, gTranspose(r0.0, r1.0, r2.0, r3.0))
            add(column: 1, gTranspose(r0.1, r1.1, r2.1, r3.1))
            add(column: 2, gTranspose(r0.2, r1.2, r2.2, r3.2))
        }
    }

    /// dM = A·dY·Aᵀ of every tile of one image's output gradient (zero where a tile hangs over the image),
    /// A = [1 0; 1 1; 1 −1; 0 −1], stored like the products.
    private func transformOutputGradient(_ dy: UnsafePointer<Float>, filters: Int, firstTile: Int, rows: Int,
                                         into dm: UnsafeMutablePointer<Float>) {
        let plane = rows * filters, zero = SIMD8<Float>()
        for ty in 0..<tilesY {
            for tx in 0..<tilesX {
                let target = dm + (firstTile + ty * tilesX + tx) * filters
                let (oy, ox) = (2 * ty, 2 * tx)
                let (right, below) = (ox + 1 < width, oy + 1 < height)
                for k in stride(from: 0, to: filters, by: 8) {
                    let base = dy + (oy * width + ox) * filters + k
                    let top = a((load8(base), right ? load8(base + filters) : zero))
                    let bottom = below ? a((load8(base + width * filters), right ? load8(base + (width + 1) * filters) : zero)) : (zero, zero, zero, zero)
                    storeColumn(a((top.0, bottom.0)), at: target + k, plane: plane)
                    storeColumn(a((top.1, bottom.1)), at: target + plane + k, plane: plane)
                    storeColumn(a((top.2, bottom.2)), at: target + 2 * plane + k, plane: plane)
                    storeColumn(a((top.3, bottom.3)), at: target + 3 * plane + k, plane: plane)
                }
            }
        }
    }

    /// Copies an image into its padded buffer with a zero border (written every time: forward and backward
    /// share the buffer with different channel counts).
    private func pad(_ image: UnsafePointer<Float>, channels: Int, into target: UnsafeMutablePointer<Float>) {
        let rowCount = paddedWidth * channels
        target.update(repeating: 0, count: rowCount)
        for row in 0..<height {
            let start = target + (row + 1) * rowCount
            start.update(repeating: 0, count: channels)
            (start + channels).update(from: image + row * width * channels, count: width * channels)
            (start + (width + 1) * channels).update(repeating: 0, count: (paddedWidth - width - 1) * channels)
        }
        (target + (height + 1) * rowCount).update(repeating: 0, count: (paddedHeight - height - 1) * rowCount)
    }

    /// V = Bᵀ·d·B of every 4×4 tile of one padded image, Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], stored at
    /// v[position][tile][channel] for the `rows` tiles of the chunk.
    private func transformInput(_ image: UnsafePointer<Float>, channels: Int, firstTile: Int, rows: Int,
                                into v: UnsafeMutablePointer<Float>) {
        let plane = rows * channels, step = paddedWidth * channels
        for ty in 0..<tilesY {
            for tx in 0..<tilesX {
                let corner = image + (2 * ty * paddedWidth + 2 * tx) * channels
                let target = v + (firstTile + ty * tilesX + tx) * channels
                for c in stride(from: 0, to: channels, by: 8) {
                    func row(_ r: Int) -> Quad {
                        let start = corner + r * step + c
                        return bTranspose((load8(start), load8(start + channels), load8(start + 2 * channels), load8(start + 3 * channels)))
                    }
                    // d·B row by row, then Bᵀ·(d·B) column by column; V[r][q] goes to position 4r + q.
                    let (h0, h1, h2, h3) = (row(0), row(1), row(2), row(3))
                    storeColumn(bTranspose((h0.0, h1.0, h2.0, h3.0)), at: target + c, plane: plane)
                    storeColumn(bTranspose((h0.1, h1.1, h2.1, h3.1)), at: target + plane + c, plane: plane)
                    storeColumn(bTranspose((h0.2, h1.2, h2.2, h3.2)), at: target + 2 * plane + c, plane: plane)
                    storeColumn(bTranspose((h0.3, h1.3, h2.3, h3.3)), at: target + 3 * plane + c, plane: plane)
                }
            }
        }
    }

    /// Y = Aᵀ·m·A of every tile of one image, Aᵀ = [1 1 1 0; 0 1 −1 −1], written where the 2×2 output lies
    /// inside the image.
    private func transformOutput(_ m: UnsafePointer<Float>, filters: Int, firstTile: Int, rows: Int,
                                 into y: UnsafeMutablePointer<Float>) {
        let plane = rows * filters
        for ty in 0..<tilesY {
            for tx in 0..<tilesX {
                let source = m + (firstTile + ty * tilesX + tx) * filters
                let (oy, ox) = (2 * ty, 2 * tx)
                for k in stride(from: 0, to: filters, by: 8) {
                    func row(_ r: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                        let start = source + r * 4 * plane + k
                        return aTranspose((load8(start), load8(start + plane), load8(start + 2 * plane), load8(start + 3 * plane)))
                    }
                    let (a0, a1, a2, a3) = (row(0), row(1), row(2), row(3))
                    let left = aTranspose((a0.0, a1.0, a2.0, a3.0)), right = aTranspose((a0.1, a1.1, a2.1, a3.1))
                    let base = y + (oy * width + ox) * filters + k
                    store8(left.0, base)
                    if ox + 1 < width { store8(right.0, base + filters) }
                    if oy + 1 < height {
                        store8(left.1, base + width * filters)
                        if ox + 1 < width { store8(right.1, base + (width + 1) * filters) }
                    }
                }
            }
        }
    }
}

private typealias Quad = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

/// Bᵀ·(d0, d1, d2, d3) of F(2×2, 3×3).
@inline(__always)
private func bTranspose(_ d: Quad) -> Quad { (d.0 - d.2, d.1 + d.2, d.2 - d.1, d.1 - d.3) }

/// Aᵀ·(m0, m1, m2, m3) of F(2×2, 3×3).
@inline(__always)
private func aTranspose(_ m: Quad) -> (SIMD8<Float>, SIMD8<Float>) { (m.0 + m.1 + m.2, m.1 - m.2 - m.3) }

/// Column q of a transformed 4×4 tile (rows 0–3) into positions q, 4 + q, 8 + q, 12 + q: `start` is position
/// q's slot, `plane` the distance between positions.
@inline(__always)
private func storeColumn(_ values: Quad, at start: UnsafeMutablePointer<Float>, plane: Int) {
    store8(values.0, start)
    store8(values.1, start + 4 * plane)
    store8(values.2, start + 8 * plane)
    store8(values.3, start + 12 * plane)
}

/// A·(y0, y1) of F(2×2, 3×3): the adjoint of `aTranspose`.
@inline(__always)
private func a(_ y: (SIMD8<Float>, SIMD8<Float>)) -> Quad { (y.0, y.0 + y.1, y.0 - y.1, -y.1) }

/// Floats a layer reuses across batches: grows (zero-filled) when asked for more, never shrinks, freed with
/// its owner.
final class ScratchBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private var capacity = 0

    init() { pointer = .allocate(capacity: 1) }

    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: 0, count: count)
        capacity = count
    }

    deinit { pointer.deallocate() }
}
