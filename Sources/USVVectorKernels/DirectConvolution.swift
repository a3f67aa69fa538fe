/// Direct convolution for layers with few filters (a multiple of 8, at most 32), forward and weight gradient,
/// on channel-last images with TensorFlow's kernel layout (kernel height, kernel width, channels, filters).
/// With 8 filters a matrix product is too thin to pay for writing, packing and reading every patch (the first
/// layer's 10 × 10 patches are 100 floats per output position, 25 times its input); here each input value is
/// read where it lies and multiplied into 8 filters at once with fused multiply-adds.
///
/// This module is compiled for Haswell (AVX2, FMA): call it only where `USVLearn` has found AVX2 and FMA on the CPU.
public struct DirectConvolution: Sendable {
    public struct Geometry: Sendable {
        public var inputHeight: Int, inputWidth: Int, channels: Int
        public var outputHeight: Int, outputWidth: Int, filters: Int
        public var kernelHeight: Int, kernelWidth: Int
        public var strideY: Int, strideX: Int
        /// Zero rows above and columns left of the image (SAME padding's smaller half).
        public var paddingTop: Int, paddingLeft: Int

        public init(inputHeight: Int, inputWidth: Int, channels: Int, outputHeight: Int, outputWidth: Int, filters: Int,
                    kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int, paddingTop: Int, paddingLeft: Int) {
            (self.inputHeight, self.inputWidth, self.channels) = (inputHeight, inputWidth, channels)
            (self.outputHeight, self.outputWidth, self.filters) = (outputHeight, outputWidth, filters)
            (self.kernelHeight, self.kernelWidth, self.strideY, self.strideX) = (kernelHeight, kernelWidth, strideY, strideX)
            (self.paddingTop, self.paddingLeft) = (paddingTop, paddingLeft)
        }
    }

    public let geometry: Geometry

    public init(_ geometry: Geometry) { self.geometry = geometry }

    public static func supports(filters: Int) -> Bool { filters % 8 == 0 && filters <= 32 }

    /// The output positions along one axis whose tap `tap` reads inside the image: o·stride − pad + tap ∈ [0, size).
    private static func valid(outputs: Int, size: Int, stride: Int, pad: Int, tap: Int) -> Range<Int> {
        let offset = tap - pad
        let first = offset >= 0 ? 0 : (stride - 1 - offset) / stride
        let end = size - offset <= 0 ? 0 : min(outputs, (size - offset + stride - 1) / stride)
        return first..<max(first, end)
    }

    /// y = x ⋆ w for one sample, 8 filters per block in registers; the taps of a kernel row are contiguous in
    /// both the image and the kernel. Wrapping arithmetic: every index is bounded by the image and kernel.
    public func forward(_ x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let g = geometry, filters = g.filters
        for oy in 0..<g.outputHeight {
            let top = oy &* g.strideY &- g.paddingTop
            let firstRow = max(0, 0 &- top)
            let rows = firstRow..<max(firstRow, min(g.kernelHeight, g.inputHeight &- top))
            var ox = 0
            while ox < g.outputWidth {
                // Four positions whose kernels lie wholly inside the image rows at once: they share every weight load.
                let left = ox &* g.strideX &- g.paddingLeft
                if ox &+ 3 < g.outputWidth, left >= 0, left &+ 3 &* g.strideX &+ g.kernelWidth <= g.inputWidth {
                    forwardFourPositions(x, kernel: w, top: top, left: left, rows: rows,
                                         into: y + (oy &* g.outputWidth &+ ox) &* filters)
                    ox &+= 4
                    continue
                }
                defer { ox &+= 1 }
                let firstColumn = max(0, 0 &- left)
                let span = max(0, min(g.kernelWidth, g.inputWidth &- left) &- firstColumn) &* g.channels
                let target = y + (oy &* g.outputWidth &+ ox) &* filters
                for block in stride(from: 0, to: filters, by: 8) {
                    // Four accumulators: a fused multiply-add waits four cycles on the one before in its chain.
                    var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                    for ky in rows {
                        let sourceOffset: Int = ((top &+ ky) &* g.inputWidth &+ left &+ firstColumn) &* g.channels
                        let weightOffset: Int = ((ky &* g.kernelWidth &+ firstColumn) &* g.channels) &* filters &+ block
                        let (source, weights) = (x + sourceOffset, w + weightOffset)
                        func term(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>) { (SIMD8(repeating: source[j]), load8(weights + j &* filters)) }
                        var j = 0
                        while j &+ 3 < span {
                            let (a, b, c, d) = (term(j), term(j &+ 1), term(j &+ 2), term(j &+ 3))
                            sums.0 = sums.0.addingProduct(a.0, a.1)
                            sums.1 = sums.1.addingProduct(b.0, b.1)
                            sums.2 = sums.2.addingProduct(c.0, c.1)
                            sums.3 = sums.3.addingProduct(d.0, d.1)
                            j &+= 4
                        }
                        while j < span {
                            let a = term(j)
                            sums.0 = sums.0.addingProduct(a.0, a.1)
                            j &+= 1
                        }
                    }
                    store8((sums.0 + sums.1) + (sums.2 + sums.3), target + block)
                }
            }
        }
    }

    /// `forward` for four neighbouring output positions (a row of the output) whose kernels lie inside the image
    /// columns: eight accumulators, two per position, and one weight load for four multiply-adds.
    @inline(__always)
    private func forwardFourPositions(_ x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, top: Int, left: Int,
                                      rows: Range<Int>, into target: UnsafeMutablePointer<Float>) {
        let g = geometry, filters = g.filters, span = g.kernelWidth &* g.channels, step = g.strideX &* g.channels
        for block in stride(from: 0, to: filters, by: 8) {
            var (a0, a1, a2, a3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
            var (b0, b1, b2, b3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
            for ky in rows {
                let sourceOffset: Int = ((top &+ ky) &* g.inputWidth &+ left) &* g.channels
                let weightOffset: Int = (ky &* span) &* filters &+ block
                let (s0, weights) = (x + sourceOffset, w + weightOffset)
                let (s1, s2, s3) = (s0 + step, s0 + (2 &* step), s0 + (3 &* step))
                var j = 0
                while j &+ 1 < span {
                    let (u, v) = (load8(weights + j &* filters), load8(weights + (j &+ 1) &* filters))
                    a0 = a0.addingProduct(SIMD8(repeating: s0[j]), u)
                    a1 = a1.addingProduct(SIMD8(repeating: s1[j]), u)
                    a2 = a2.addingProduct(SIMD8(repeating: s2[j]), u)
                    a3 = a3.addingProduct(SIMD8(repeating: s3[j]), u)
                    b0 = b0.addingProduct(SIMD8(repeating: s0[j &+ 1]), v)
                    b1 = b1.addingProduct(SIMD8(repeating: s1[j &+ 1]), v)
                    b2 = b2.addingProduct(SIMD8(repeating: s2[j &+ 1]), v)
                    b3 = b3.addingProduct(SIMD8(repeating: s3[j &+ 1]), v)
                    j &+= 2
                }
                if j < span {
                    let u = load8(weights + j &* filters)
                    a0 = a0.addingProduct(SIMD8(repeating: s0[j]), u)
                    a1 = a1.addingProduct(SIMD8(repeating: s1[j]), u)
                    a2 = a2.addingProduct(SIMD8(repeating: s2[j]), u)
                    a3 = a3.addingProduct(SIMD8(repeating: s3[j]), u)
                }
            }
            store8(a0 + b0, target + block)
            store8(a1 + b1, target + (filters &+ block))
            store8(a2 + b2, target + (2 &* filters &+ block))
            store8(a3 + b3, target + (3 &* filters &+ block))
        }
    }

    /// dW += Σ over one sample's output positions of x(patch) ⊗ dY, per tap and channel with the sums in
    /// registers (the input read with the stride, the output gradient contiguously). Four neighbouring taps of
    /// a kernel row go together over the output columns all four read, sharing each gradient load; the edge
    /// columns only some of them read, and the last taps of a row, go one tap at a time.
    public func accumulateKernelGradient(_ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                         into dw: UnsafeMutablePointer<Float>) {
        let g = geometry
        func columns(_ kx: Int) -> Range<Int> {
            Self.valid(outputs: g.outputWidth, size: g.inputWidth, stride: g.strideX, pad: g.paddingLeft, tap: kx)
        }
        for ky in 0..<g.kernelHeight {
            let rows = Self.valid(outputs: g.outputHeight, size: g.inputHeight, stride: g.strideY, pad: g.paddingTop, tap: ky)
            guard !rows.isEmpty else { continue }
            var kx = 0
            while kx &+ 3 < g.kernelWidth {
                // Later taps reach the right edge sooner and leave the left padding sooner.
                let shared = columns(kx).lowerBound..<max(columns(kx).lowerBound, columns(kx &+ 3).upperBound)
                addFourTaps(x, dy, ky: ky, kx: kx, rows: rows, columns: shared, into: dw)
                for tap in kx..<(kx &+ 4) {
                    let own = columns(tap)
                    addTap(x, dy, ky: ky, kx: tap, rows: rows, columns: own.lowerBound..<max(own.lowerBound, min(own.upperBound, shared.lowerBound)), into: dw)
                    addTap(x, dy, ky: ky, kx: tap, rows: rows, columns: max(own.lowerBound, shared.upperBound)..<max(own.lowerBound, shared.upperBound, own.upperBound), into: dw)
                }
                kx &+= 4
            }
            for tap in kx..<g.kernelWidth { addTap(x, dy, ky: ky, kx: tap, rows: rows, columns: columns(tap), into: dw) }
        }
    }

    /// The kernel gradient of one tap over the given output rows and columns.
    private func addTap(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, ky: Int, kx: Int, rows: Range<Int>,
                        columns: Range<Int>, into dw: UnsafeMutablePointer<Float>) {
        guard !columns.isEmpty else { return }
        let g = geometry, filters = g.filters, step = g.strideX &* g.channels
        for c in 0..<g.channels {
            let target = dw + ((ky &* g.kernelWidth &+ kx) &* g.channels &+ c) &* filters
            for block in stride(from: 0, to: filters, by: 8) {
                var (a, b) = (SIMD8<Float>(), SIMD8<Float>())
                for oy in rows {
                    // The input under output column 0 (may lie left of the image; only valid columns are read).
                    let sourceOffset: Int = ((oy &* g.strideY &- g.paddingTop &+ ky) &* g.inputWidth &- g.paddingLeft &+ kx) &* g.channels &+ c
                    let (source, gradient) = (x + sourceOffset, dy + (oy &* g.outputWidth &* filters &+ block))
                    var ox = columns.lowerBound
                    while ox &+ 1 < columns.upperBound {
                        a = a.addingProduct(SIMD8(repeating: source[ox &* step]), load8(gradient + ox &* filters))
                        b = b.addingProduct(SIMD8(repeating: source[(ox &+ 1) &* step]), load8(gradient + (ox &+ 1) &* filters))
                        ox &+= 2
                    }
                    if ox < columns.upperBound { a = a.addingProduct(SIMD8(repeating: source[ox &* step]), load8(gradient + ox &* filters)) }
                }
                store8(load8(target + block) + a + b, target + block)
            }
        }
    }

    /// The kernel gradients of taps kx…kx+3 of row ky over output columns that all four read: one gradient load
    /// for four multiply-adds, eight accumulators.
    private func addFourTaps(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, ky: Int, kx: Int, rows: Range<Int>,
                             columns: Range<Int>, into dw: UnsafeMutablePointer<Float>) {
        guard !columns.isEmpty else { return }
        let g = geometry, filters = g.filters, step = g.strideX &* g.channels, channels = g.channels
        for c in 0..<channels {
            let target = dw + ((ky &* g.kernelWidth &+ kx) &* channels &+ c) &* filters
            for block in stride(from: 0, to: filters, by: 8) {
                var (a0, a1, a2, a3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                var (b0, b1, b2, b3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                for oy in rows {
                    let sourceOffset: Int = ((oy &* g.strideY &- g.paddingTop &+ ky) &* g.inputWidth &- g.paddingLeft &+ kx) &* channels &+ c
                    let (s0, gradient) = (x + sourceOffset, dy + (oy &* g.outputWidth &* filters &+ block))
                    let (s1, s2, s3) = (s0 + channels, s0 + (2 &* channels), s0 + (3 &* channels))
                    var ox = columns.lowerBound
                    while ox &+ 1 < columns.upperBound {
                        let (i, j) = (ox &* step, (ox &+ 1) &* step)
                        let (u, v) = (load8(gradient + ox &* filters), load8(gradient + (ox &+ 1) &* filters))
                        a0 = a0.addingProduct(SIMD8(repeating: s0[i]), u)
                        a1 = a1.addingProduct(SIMD8(repeating: s1[i]), u)
                        a2 = a2.addingProduct(SIMD8(repeating: s2[i]), u)
                        a3 = a3.addingProduct(SIMD8(repeating: s3[i]), u)
                        b0 = b0.addingProduct(SIMD8(repeating: s0[j]), v)
                        b1 = b1.addingProduct(SIMD8(repeating: s1[j]), v)
                        b2 = b2.addingProduct(SIMD8(repeating: s2[j]), v)
                        b3 = b3.addingProduct(SIMD8(repeating: s3[j]), v)
                        ox &+= 2
                    }
                    if ox < columns.upperBound {
                        let (i, u) = (ox &* step, load8(gradient + ox &* filters))
                        a0 = a0.addingProduct(SIMD8(repeating: s0[i]), u)
                        a1 = a1.addingProduct(SIMD8(repeating: s1[i]), u)
                        a2 = a2.addingProduct(SIMD8(repeating: s2[i]), u)
                        a3 = a3.addingProduct(SIMD8(repeating: s3[i]), u)
                    }
                }
                // Taps kx + t lie t·channels·filters further on in the kernel.
                let tapStride = channels &* filters
                store8(load8(target + block) + a0 + b0, target + block)
                store8(load8(target + (tapStride &+ block)) + a1 + b1, target + (tapStride &+ block))
                store8(load8(target + (2 &* tapStride &+ block)) + a2 + b2, target + (2 &* tapStride &+ block))
                store8(load8(target + (3 &* tapStride &+ block)) + a3 + b3, target + (3 &* tapStride &+ block))
            }
        }
    }
}

// This module's own copies (USVLearn has its own): code compiled here must not run before the CPU check.
@inline(__always)
private func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self) }

@inline(__always)
private func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
