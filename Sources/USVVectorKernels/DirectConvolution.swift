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
            for ox in 0..<g.outputWidth {
                let left = ox &* g.strideX &- g.paddingLeft
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

    /// dW += Σ over one sample's output positions of x(patch) ⊗ dY, one tap and channel at a time with the sum
    /// in registers (the input read with the stride, the output gradient contiguously).
    public func accumulateKernelGradient(_ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                         into dw: UnsafeMutablePointer<Float>) {
        let g = geometry, filters = g.filters, step = g.strideX &* g.channels
        for ky in 0..<g.kernelHeight {
            let rows = Self.valid(outputs: g.outputHeight, size: g.inputHeight, stride: g.strideY, pad: g.paddingTop, tap: ky)
            for kx in 0..<g.kernelWidth {
                let columns = Self.valid(outputs: g.outputWidth, size: g.inputWidth, stride: g.strideX, pad: g.paddingLeft, tap: kx)
                guard !rows.isEmpty, !columns.isEmpty else { continue }
                for c in 0..<g.channels {
                    let target = dw + ((ky &* g.kernelWidth &+ kx) &* g.channels &+ c) &* filters
                    for block in stride(from: 0, to: filters, by: 8) {
                        var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                        for oy in rows {
                            let iy: Int = oy &* g.strideY &- g.paddingTop &+ ky
                            // Input of output column 0 (may lie left of the image; only valid columns are read).
                            let sourceOffset: Int = (iy &* g.inputWidth &- g.paddingLeft &+ kx) &* g.channels &+ c
                            let gradientOffset: Int = oy &* g.outputWidth &* filters &+ block
                            let (source, gradient) = (x + sourceOffset, dy + gradientOffset)
                            func term(_ ox: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                                (SIMD8(repeating: source[ox &* step]), load8(gradient + ox &* filters))
                            }
                            var ox = columns.lowerBound
                            while ox &+ 3 < columns.upperBound {
                                let (a, b, c, d) = (term(ox), term(ox &+ 1), term(ox &+ 2), term(ox &+ 3))
                                sums.0 = sums.0.addingProduct(a.0, a.1)
                                sums.1 = sums.1.addingProduct(b.0, b.1)
                                sums.2 = sums.2.addingProduct(c.0, c.1)
                                sums.3 = sums.3.addingProduct(d.0, d.1)
                                ox &+= 4
                            }
                            while ox < columns.upperBound {
                                let a = term(ox)
                                sums.0 = sums.0.addingProduct(a.0, a.1)
                                ox &+= 1
                            }
                        }
                        store8(load8(target + block) + (sums.0 + sums.1) + (sums.2 + sums.3), target + block)
                    }
                }
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
