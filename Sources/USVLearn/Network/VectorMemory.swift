/// Eight floats at a time from and to unaligned memory: the vector width the convolution kernels work in
/// (two SSE registers on baseline x86-64, one AVX register where the compiler may use it).
@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self) }

@inline(__always)
func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
