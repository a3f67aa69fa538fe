import CBLAS
import Foundation
import USVVectorKernels

/// The shape of one sample in channel-last order (height × width × channels, TensorFlow's NHWC without N).
/// A batch of images is a `Batch` with one flattened image per row, so flattening costs nothing.
public struct ImageShape: Sendable, Hashable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    public var count: Int { height * width * channels }
    public var description: String { "\(height)×\(width)×\(channels)" }
}

/// TensorFlow's SAME padding along one axis: the output has ⌈size / stride⌉ positions and the padding is split
/// with the smaller half before.
func samePadding(size: Int, kernel: Int, stride: Int) -> (output: Int, before: Int) {
    let output = (size + stride - 1) / stride
    let total = max(0, (output - 1) * stride + kernel - size)
    return (output, total / 2)
}

/// C (m × n, leading dimension ldc) = op(A)·op(B) + beta·C on raw pointers, row-major.
func sgemm(_ transposeA: Bool, _ transposeB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
           _ b: UnsafePointer<Float>, _ ldb: Int, beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    guard m > 0, n > 0, k > 0 else { return }
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Whether the CPU runs the vector kernels (AVX2 and FMA, for which `USVVectorKernels` is compiled).
let vectorKernelsAvailable = usv_cpu_has_avx2_fma() != 0

/// 2-D convolution with SAME padding, any kernel size and stride, as TensorFlow's `Conv2D(padding="same")`:
/// the kernel is stored in TensorFlow's layout (kernel height, kernel width, input channels, filters), so
/// weights move between the two unchanged. Each layer picks how it computes: 3×3 stride-1 layers of 16 or more
/// channels through Winograd F(2×2, 3×3) (`WinogradConvolution`); layers of 8–32 filters, where the CPU has
/// AVX2 and FMA, through direct loops (`DirectConvolution`); all others, and any pass those do not cover, as
/// im2col + one sgemm per chunk of samples (the column buffer stays near 1 MB per thread whatever the batch),
/// backward as sgemm + col2im. A 1-D convolution over vectors is the same layer with height 1
/// (`Conv2D.oneDimensional`).
public final class Conv2D: Layer {
    public let input: ImageShape
    public let output: ImageShape
    public let kernelSize: (height: Int, width: Int)
    public let stride: (y: Int, x: Int)
    public let kernel: Parameter
    public let bias: Parameter?
    /// The first layer of a network needs no gradient for its input (the data): skipping it saves a col2im.
    public var computesInputGradient = true
    private let padding: (top: Int, left: Int)
    private var heldInput = Batch(zeros: 0, 0)
    private var outputBatch = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)
    private var columns: [Float] = []
    /// Whether `columns` still hold the whole training batch's patches from `forward` (one chunk), so that
    /// `backward` need not rebuild them for the weight gradient.
    private var columnsHoldBatch = false
    private var columnGradient: [Float] = []
    /// Winograd F(2×2, 3×3) for the forward pass and both gradients of 3×3 stride-1 layers; nil for others.
    private let winograd: WinogradConvolution?
    private let transformedKernel = ScratchBuffer()
    /// Direct loops for the forward pass and weight gradient of layers with few filters; nil for others.
    private let direct: DirectConvolution?
    /// The direct convolution that computes a stride-1 layer's input gradient (see `rotatedTransposedKernel`),
    /// where the channels allow.
    private let directAdjoint: DirectConvolution?
    private var adjointKernel: [Float] = []
    /// Off: the layer computes through im2col like any other (tests compare the specialised methods with it).
    var usesSpecialisedMethods = true
    private var activeWinograd: WinogradConvolution? { usesSpecialisedMethods ? winograd : nil }
    private var activeDirect: DirectConvolution? { usesSpecialisedMethods ? direct : nil }
    private var activeDirectAdjoint: DirectConvolution? { usesSpecialisedMethods ? directAdjoint : nil }
    var computesWithWinograd: Bool { activeWinograd != nil }
    var computesDirectly: Bool { activeDirect != nil }
    var computesInputGradientDirectly: Bool { activeDirectAdjoint != nil }

    /// He-normal (truncated) initial weights, as the paper's networks; `bias` off when batch norm follows.
    public init(input: ImageShape, filters: Int, kernel: (height: Int, width: Int), stride: (y: Int, x: Int), bias: Bool,
                random: inout SeededRandom) {
        self.input = input
        kernelSize = kernel
        self.stride = stride
        let vertical = samePadding(size: input.height, kernel: kernel.height, stride: stride.y)
        let horizontal = samePadding(size: input.width, kernel: kernel.width, stride: stride.x)
        output = ImageShape(height: vertical.output, width: horizontal.output, channels: filters)
        padding = (vertical.before, horizontal.before)
        winograd = WinogradConvolution.supports(input: input, filters: filters, kernel: kernel, stride: stride)
            ? WinogradConvolution(height: input.height, width: input.width) : nil
        direct = winograd == nil && vectorKernelsAvailable && DirectConvolution.supports(filters: filters)
            ? DirectConvolution(.init(inputHeight: input.height, inputWidth: input.width, channels: input.channels,
                                      outputHeight: output.height, outputWidth: output.width, filters: filters,
                                      kernelHeight: kernel.height, kernelWidth: kernel.width, strideY: stride.y, strideX: stride.x,
                                      paddingTop: padding.top, paddingLeft: padding.left))
            : nil
        directAdjoint = stride == (1, 1) && winograd == nil && vectorKernelsAvailable && DirectConvolution.supports(filters: input.channels)
            ? DirectConvolution(.init(inputHeight: output.height, inputWidth: output.width, channels: filters,
                                      outputHeight: input.height, outputWidth: input.width, filters: input.channels,
                                      kernelHeight: kernel.height, kernelWidth: kernel.width, strideY: 1, strideX: 1,
                                      paddingTop: kernel.height - 1 - padding.top, paddingLeft: kernel.width - 1 - padding.left))
            : nil
        let fanIn = kernel.height * kernel.width * input.channels
        let deviation = (2 / Double(fanIn)).squareRoot() / 0.879_625_661_034_239_78
        self.kernel = Parameter((0..<(fanIn * filters)).map { _ in Float(random.truncatedNormal() * deviation) })
        self.bias = bias ? Parameter([Float](repeating: 0, count: filters)) : nil
    }

    /// A 1-D convolution over `length` positions of `channels` values (height 1), SAME padding.
    public static func oneDimensional(length: Int, channels: Int, filters: Int, kernel: Int, stride: Int, bias: Bool,
                                      random: inout SeededRandom) -> Conv2D {
        Conv2D(input: ImageShape(height: 1, width: length, channels: channels), filters: filters, kernel: (1, kernel),
               stride: (1, stride), bias: bias, random: &random)
    }

    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

    private var patch: Int { kernelSize.height * kernelSize.width * input.channels }
    private var positions: Int { output.height * output.width }

    /// Samples per im2col chunk: columns of about 1 MB (256 K floats), so that they are still in cache when the
    /// matrix product packs them (64 MB chunks went through memory and trained the fast preset about 20 %
    /// slower), and at least one sample per BLAS thread.
    private var chunk: Int { max(Int(usv_blas_get_threads()), (1 << 18) / max(1, positions * patch)) }

    public func forward(_ batch: Batch, training: Bool) -> Batch {
        let samples = batch.rows, outputCount = output.count
        if training { heldInput = batch }
        if outputBatch.rows != samples { outputBatch = Batch(zeros: samples, outputCount) }
        let filters = output.channels, patch = patch, positions = positions
        columnsHoldBatch = false
        batch.values.withUnsafeBufferPointer { x in
            outputBatch.values.withUnsafeMutableBufferPointer { y in
                kernel.value.withUnsafeBufferPointer { w in
                    guard let x = x.baseAddress, let y = y.baseAddress, let w = w.baseAddress else { return }
                    if let winograd = activeWinograd {
                        transformedKernel.reserve(16 * input.channels * filters)
                        WinogradConvolution.transformKernel(w, channels: input.channels, filters: filters, into: transformedKernel.pointer)
                        winograd.convolve(x, samples: samples, channels: input.channels, filters: filters,
                                          kernel: transformedKernel.pointer, into: y)
                        return
                    }
                    if let direct = activeDirect {
                        let (inputCount, outputCount) = (input.count, outputCount)
                        onEveryCore(samples) { sample in direct.forward(x + sample * inputCount, kernel: w, into: y + sample * outputCount) }
                        return
                    }
                    for first in Swift.stride(from: 0, to: samples, by: chunk) {
                        withColumns(of: x, samples: first..<min(samples, first + chunk), batch: samples) { cols, rows in
                            sgemm(false, false, m: rows, n: filters, k: patch, cols, patch, w, filters, beta: 0,
                                  y + first * outputCount, filters)
                        }
                    }
                    columnsHoldBatch = training && samples <= chunk
                }
                if let bias {
                    for position in 0..<(samples * positions) {
                        for filter in 0..<filters { y[position * filters + filter] += bias.value[filter] }
                    }
                }
            }
        }
        return outputBatch
    }

    public func backward(_ gradient: Batch) -> Batch {
        let samples = gradient.rows, outputCount = output.count
        let filters = output.channels, patch = patch, positions = positions
        if computesInputGradient, inputGradient.rows != samples { inputGradient = Batch(zeros: samples, input.count) }
        heldInput.values.withUnsafeBufferPointer { x in
            gradient.values.withUnsafeBufferPointer { dy in
                kernel.value.withUnsafeBufferPointer { w in
                    kernel.gradient.withUnsafeMutableBufferPointer { dw in
                        guard let x = x.baseAddress, let dy = dy.baseAddress, let w = w.baseAddress, let dw = dw.baseAddress else { return }
                        if let winograd = activeWinograd {
                            transformedKernel.reserve(16 * input.channels * filters)
                            transformedKernel.pointer.update(repeating: 0, count: 16 * input.channels * filters)
                            winograd.accumulateTransformedKernelGradient(x, outputGradient: dy, samples: samples, channels: input.channels,
                                                                         filters: filters, into: transformedKernel.pointer)
                            WinogradConvolution.addKernelGradient(transformedKernel.pointer, channels: input.channels, filters: filters, to: dw)
                        } else if let direct = activeDirect {
                            accumulateKernelGradientDirectly(direct, x, dy, samples: samples, into: dw)
                        } else {
                            for first in Swift.stride(from: 0, to: samples, by: chunk) {
                                withColumns(of: x, samples: first..<min(samples, first + chunk), batch: samples) { cols, rows in
                                    // dW += colsᵀ · dY
                                    sgemm(true, false, m: patch, n: filters, k: rows, cols, patch, dy + first * outputCount, filters,
                                          beta: 1, dw, filters)
                                }
                            }
                        }
                        guard computesInputGradient else { return }
                        inputGradient.values.withUnsafeMutableBufferPointer { dx in
                            guard let dx = dx.baseAddress else { return }
                            guard activeWinograd != nil || activeDirectAdjoint != nil else {
                                return inputGradientThroughColumns(dy, kernel: w, samples: samples, into: dx)
                            }
                            // A stride-1 layer's input gradient is its kind of convolution of dY with the kernel
                            // rotated by 180°, channels and filters swapped (padding k − 1 − p before).
                            let (inputCount, outputCount) = (input.count, outputCount)
                            rotatedTransposedKernel(w).withUnsafeBufferPointer { rotated in
                                guard let rotated = rotated.baseAddress else { return }
                                if let winograd = activeWinograd {
                                    transformedKernel.reserve(16 * input.channels * filters)
                                    WinogradConvolution.transformKernel(rotated, channels: filters, filters: input.channels,
                                                                        into: transformedKernel.pointer)
                                    winograd.convolve(dy, samples: samples, channels: filters, filters: input.channels,
                                                      kernel: transformedKernel.pointer, into: dx)
                                } else if let adjoint = activeDirectAdjoint {
                                    onEveryCore(samples) { sample in
                                        adjoint.forward(dy + sample * outputCount, kernel: rotated, into: dx + sample * inputCount)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if let bias {
                for position in 0..<(samples * positions) {
                    for filter in 0..<filters { bias.gradient[filter] += gradient.values[position * filters + filter] }
                }
            }
        }
        heldInput = Batch(zeros: 0, 0)
        columnsHoldBatch = false
        return inputGradient
    }

    /// W′[u][v][f][c] = W[kh − 1 − u][kw − 1 − v][c][f]: the kernel of the input gradient of a stride-1 layer
    /// (Winograd's and the direct one), into a buffer reused across steps.
    private func rotatedTransposedKernel(_ w: UnsafePointer<Float>) -> [Float] {
        let (kh, kw, channels, filters) = (kernelSize.height, kernelSize.width, input.channels, output.channels)
        if adjointKernel.count != kernel.value.count { adjointKernel = kernel.value }
        for u in 0..<kh {
            for v in 0..<kw {
                let source = ((kh - 1 - u) * kw + (kw - 1 - v)) * channels * filters, target = (u * kw + v) * filters * channels
                for c in 0..<channels {
                    for f in 0..<filters { adjointKernel[target + f * channels + c] = w[source + c * filters + f] }
                }
            }
        }
        return adjointKernel
    }

    /// dW += the direct weight gradient of every sample, one partial sum per thread.
    private func accumulateKernelGradientDirectly(_ direct: DirectConvolution, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                                  samples: Int, into dw: UnsafeMutablePointer<Float>) {
        let workers = max(1, min(samples, Int(usv_blas_get_threads()))), size = kernel.value.count
        let (inputCount, outputCount) = (input.count, output.count)
        var partial = [Float](repeating: 0, count: workers * size)
        partial.withUnsafeMutableBufferPointer { partial in
            guard let partial = partial.baseAddress else { return }
            onEveryCore(workers) { worker in
                for sample in Swift.stride(from: worker, to: samples, by: workers) {
                    direct.accumulateKernelGradient(x + sample * inputCount, outputGradient: dy + sample * outputCount,
                                                    into: partial + worker * size)
                }
            }
            for worker in 0..<workers {
                for index in 0..<size { dw[index] += partial[worker * size + index] }
            }
        }
    }

    /// dX through patch gradients: dCols = dY · Wᵀ per chunk, scattered back onto the input positions (col2im).
    private func inputGradientThroughColumns(_ dy: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, samples: Int,
                                             into dx: UnsafeMutablePointer<Float>) {
        let filters = output.channels, patch = patch, positions = positions
        if columnGradient.count < min(samples, chunk) * positions * patch {
            columnGradient = [Float](repeating: 0, count: min(samples, chunk) * positions * patch)
        }
        columnGradient.withUnsafeMutableBufferPointer { dcols in
            guard let dcols = dcols.baseAddress else { return }
            for first in Swift.stride(from: 0, to: samples, by: chunk) {
                let count = min(chunk, samples - first)
                sgemm(false, true, m: count * positions, n: patch, k: filters, dy + first * output.count, filters, w, filters,
                      beta: 0, dcols, patch)
                let source = UnsafePointer(dcols)
                onEveryCore(count) { sample in
                    col2im(source + sample * positions * patch, into: dx + (first + sample) * input.count)
                }
            }
        }
    }

    /// Runs `body` on the im2col columns of `samples` (a chunk of a batch of `batch`) and their row count; the
    /// column buffer is allocated once for the largest chunk. Columns kept from a one-chunk training forward
    /// pass are used as they are.
    private func withColumns(of x: UnsafePointer<Float>, samples: Range<Int>, batch: Int,
                             _ body: (UnsafePointer<Float>, Int) -> Void) {
        let patch = patch, positions = positions, reuse = columnsHoldBatch && samples == 0..<batch
        if columns.count < samples.count * positions * patch {
            columns = [Float](repeating: 0, count: min(batch, chunk) * positions * patch)
        }
        columns.withUnsafeMutableBufferPointer { cols in
            guard let cols = cols.baseAddress else { return }
            let first = samples.lowerBound
            if !reuse {
                onEveryCore(samples.count) { index in im2col(x + (first + index) * input.count, into: cols + index * positions * patch) }
            }
            body(cols, samples.count * positions)
        }
    }

    /// One sample's patches as rows (output position) × columns (kernel row, kernel column, channel), zeros
    /// where the kernel hangs over the padded edge. Consecutive kernel columns are consecutive in a
    /// channel-last image, so each kernel row is one contiguous copy. Wrapping arithmetic: indices are bounded
    /// by the image, and overflow checks in this loop cost more than the copies of a few-channel layer.
    private func im2col(_ image: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>) {
        let (height, width, channels) = (input.height, input.width, input.channels)
        let (kh, kw) = kernelSize
        let rowLength = kw &* channels, imageRow = width &* channels, patch = patch
        var row = cols
        for oy in 0..<output.height {
            let top = oy &* stride.y &- padding.top
            for ox in 0..<output.width {
                let left = ox &* stride.x &- padding.left
                let firstColumn = max(0, 0 &- left), endColumn = min(kw, width &- left)
                let before = firstColumn &* channels, inside = max(0, endColumn &- firstColumn) &* channels
                let after = rowLength &- before &- inside
                let source = image + (left &+ firstColumn) &* channels
                for ky in 0..<kh {
                    let target = row + ky &* rowLength, iy = top &+ ky
                    guard iy >= 0, iy < height, inside > 0 else {
                        target.update(repeating: 0, count: rowLength)
                        continue
                    }
                    if before > 0 { target.update(repeating: 0, count: before) }
                    copyFloats(from: source + iy &* imageRow, to: target + before, count: inside)
                    if after > 0 { (target + (before &+ inside)).update(repeating: 0, count: after) }
                }
                row += patch
            }
        }
    }

    /// The adjoint of `im2col`: adds each patch row's gradient onto the input positions it was read from.
    private func col2im(_ cols: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        let (height, width, channels) = (input.height, input.width, input.channels)
        let (kh, kw) = kernelSize
        image.update(repeating: 0, count: input.count)
        var row = cols
        for oy in 0..<output.height {
            for ox in 0..<output.width {
                let top = oy * stride.y - padding.top, left = ox * stride.x - padding.left
                let firstColumn = max(0, -left), endColumn = min(kw, width - left)
                for ky in 0..<kh {
                    let iy = top + ky
                    guard iy >= 0, iy < height, firstColumn < endColumn else { continue }
                    let source = row + ky * kw * channels + firstColumn * channels
                    let target = image + ((iy * width + left + firstColumn) * channels)
                    for index in 0..<((endColumn - firstColumn) * channels) { target[index] += source[index] }
                }
                row += patch
            }
        }
    }
}

/// Copies `count` floats; short runs (a kernel row of a few-channel image, e.g. 10 floats for the first layer)
/// in vector moves instead of a `memmove` call each, which cost more than the copy. From 8 floats on, the last
/// move overlaps the one before instead of finishing one float at a time.
@inline(__always)
private func copyFloats(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
    guard count < 64 else { return target.update(from: source, count: count) }
    func move8(_ offset: Int) { store8(load8(source + offset), target + offset) }
    guard count >= 8 else {
        for index in 0..<count { target[index] = source[index] }
        return
    }
    var index = 0
    while index &+ 8 < count {
        move8(index)
        index &+= 8
    }
    move8(count &- 8)
}
