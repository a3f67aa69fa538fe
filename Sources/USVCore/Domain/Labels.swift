/// Sex of the vocalising (resident) animal. Raw values follow the data set: 0 = female, 1 = male.
public enum Sex: Int, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case female = 0
    case male = 1

    public var description: String { self == .female ? "female" : "male" }

    public init?(name: String) {
        switch name.lowercased() {
        case "female", "f", "0": self = .female
        case "male", "m", "1": self = .male
        default: return nil
        }
    }
}

/// Genotype or strain of an animal: wild type (controls and the Sex recordings) or cortexless.
public enum Genotype: String, Codable, Sendable, CaseIterable {
    case wildType = "wildtype"
    case cortexless
}

/// Where a USV record came from: found in audio by a detector, or deposited with the data set as a table row.
public enum USVSource: String, Codable, Sendable, CaseIterable {
    case detected
    case deposited
}
