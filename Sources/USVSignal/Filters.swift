/// One-dimensional median filter with MATLAB `medfilt1` semantics (zero padding at the ends): for odd
/// `window` the output at k is the median of x[k−(n−1)/2 … k+(n−1)/2]; for even `window`, of x[k−n/2 … k+n/2−1].
/// The original pipeline was written in MATLAB, so its filters are reproduced exactly.
public func medianFilter(_ values: [Float], window: Int) -> [Float] {
    guard window > 1, !values.isEmpty else { return values }
    let before = window % 2 == 1 ? (window - 1) / 2 : window / 2
    var output = [Float](repeating: 0, count: values.count)
    var scratch = [Float](repeating: 0, count: window)
    for index in values.indices {
        for offset in 0..<window {
            let source = index - before + offset
            scratch[offset] = source >= 0 && source < values.count ? values[source] : 0
        }
        scratch.sort()
        output[index] = window % 2 == 1 ? scratch[window / 2] : (scratch[window / 2 - 1] + scratch[window / 2]) / 2
    }
    return output
}

/// Median of five values (a fixed comparison network: the inner loop of the 5-frame time median).
@inline(__always)
public func median5(_ a: Float, _ b: Float, _ c: Float, _ d: Float, _ e: Float) -> Float {
    let lowAB = min(a, b), highAB = max(a, b)
    let lowCD = min(c, d), highCD = max(c, d)
    // Discard the smallest of the four's minima and the largest of the maxima, then take the median of three.
    let x = max(lowAB, lowCD)
    let y = min(highAB, highCD)
    return max(min(x, y), min(max(x, y), e))
}

/// The p-th percentile (0…100) with linear interpolation between closest ranks (MATLAB `prctile` style).
public func percentile(_ values: [Float], _ p: Double) -> Float {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let n = Double(sorted.count)
    // MATLAB: the sorted values are taken as the 100·(i − 0.5)/n percentiles.
    let rank = p / 100 * n + 0.5
    if rank <= 1 { return sorted[0] }
    if rank >= n { return sorted[sorted.count - 1] }
    let lower = Int(rank.rounded(.down))
    let fraction = Float(rank - Double(lower))
    return sorted[lower - 1] + fraction * (sorted[lower] - sorted[lower - 1])
}
