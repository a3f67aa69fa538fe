/// The end every network here shares: per hidden layer dense → batch norm with ReLU → dropout (rate 0 until a
/// training stage sets it; seeded `seed` + 1, + 2, …), then one logit for two classes or one per class.
public enum ClassifierHead {
    /// Appends the head to `layers` and returns its dropout layers (for the training stages).
    public static func append(to layers: inout [any Layer], inputs: Int, hidden: [Int], classes: Int, seed: UInt64,
                              random: inout SeededRandom) -> [Dropout] {
        var dropouts: [Dropout] = []
        var width = inputs
        for (index, units) in hidden.enumerated() {
            let dropout = Dropout(rate: 0, seed: seed &+ UInt64(index + 1))
            layers += [Dense(width, units, random: &random), BatchNormalization(units, fusedReLU: true), dropout]
            dropouts.append(dropout)
            width = units
        }
        layers.append(Dense(width, classes == 2 ? 1 : classes, random: &random))
        return dropouts
    }
}
