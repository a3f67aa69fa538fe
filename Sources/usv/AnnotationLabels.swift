import Foundation
import USVCore

/// Reads annotation intervals with `reader`, taking labels from `labelColumn` where the format has a choice of
/// columns (Raven). A table that has none of the columns a format looks for is read with empty labels and stderr
/// says so, so that labels are never dropped unseen.
func readAnnotationsNamingLabels(_ reader: any AnnotationReading, from input: String, labelColumn: String?,
                                 recording: String?) throws -> [AnnotatedInterval] {
    guard let choosing = reader as? any LabelColumnChoosing else {
        if let labelColumn {
            throw USVError.usage("--label-column \(labelColumn): \(reader.descriptor.id) files have no choice of label column")
        }
        return try reader.readAnnotations(from: .file(input), recording: recording)
    }
    let intervals = try choosing.choosingLabelColumn(labelColumn).readAnnotations(from: .file(input), recording: recording)
    if labelColumn == nil, !intervals.isEmpty, intervals.allSatisfy({ $0.label.isEmpty }) {
        let columns = type(of: choosing).labelColumns.joined(separator: ", ")
        FileHandle.standardError.write(Data(("\(input): no label column (\(columns)) or all labels empty; "
            + "the intervals have no labels (name the column with --label-column)\n").utf8))
    }
    return intervals
}
