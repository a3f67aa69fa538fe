import USVCore

/// Seeded random mutations of a valid file (flipped, inserted and deleted bytes, truncation, a repeated
/// stretch), for tests that a parser gives an error or a value but never crashes on damaged input. The same
/// seed gives the same inputs on every machine, so a failure can be replayed.
public func seededMutations(of bytes: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
    var random = SplitMix64(seed: seed)
    func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(random.next() % UInt64(bound)) }
    return (0..<count).map { _ in
        var mutated = bytes
        for _ in 0...below(3) {
            switch below(5) {
            case 0 where !mutated.isEmpty: mutated[below(mutated.count)] = UInt8(truncatingIfNeeded: random.next())
            case 1: mutated.insert(UInt8(truncatingIfNeeded: random.next()), at: below(mutated.count + 1))
            case 2 where !mutated.isEmpty: mutated.remove(at: below(mutated.count))
            case 3: mutated = Array(mutated.prefix(below(mutated.count + 1)))
            default:
                let start = below(mutated.count)
                let stretch = mutated[start..<min(mutated.count, start + below(16))]
                mutated.insert(contentsOf: stretch, at: below(mutated.count + 1))
            }
        }
        return mutated
    }
}
