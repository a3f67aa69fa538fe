import Foundation
import USVCatalog
import USVCore
import USVSignal

/// Runs a per-USV feature plugin over detected USVs of the catalog and stores its values, keyed by plugin id,
/// version and parameter fingerprint: values already there are reused, new parameters are computed anew.
public struct FeatureRunner: Sendable {
    public struct Report: Codable, Sendable {
        public var schemaVersion = 1
        public var plugin: String
        public var pluginVersion: String
        public var parameters: String
        public var computed: Int
        public var cached: Int
        public var failed: [String]
        public var seconds: Double
    }

    public var plugin: any USVFeatureComputing
    public var catalog: Catalog
    public var progress: any ProgressReporter

    public init(plugin: any USVFeatureComputing, catalog: Catalog, progress: any ProgressReporter = SilentProgress()) {
        self.plugin = plugin
        self.catalog = catalog
        self.progress = progress
    }

    public func run(filter: USVFilter, parameters: ParameterValues, limit: Int? = nil) throws -> Report {
        let started = Date()
        let descriptor = plugin.descriptor
        let fingerprint = parameters.fingerprint
        let (missing, cached) = try catalog.usvsMissingFeature(matching: filter, plugin: descriptor.id, parameters: fingerprint, limit: limit)
        var computed = 0
        var failed: [String] = []
        // One recording at a time, so that a recording that fails is reported once.
        let byRecording = Dictionary(grouping: missing) { "\($0.root)\u{0}\($0.path)\u{0}\($0.archiveMember ?? "")" }
        for (index, group) in byRecording.values.sorted(by: { ($0.first?.path ?? "") < ($1.first?.path ?? "") }).enumerated() {
            guard let first = group.first else { continue }
            let name = first.archiveMember.map { "\(first.path)//\($0)" } ?? first.path
            do {
                let snippets = USVSnippetReader()
                var values: [(usvID: Int64, feature: StoredFeature)] = []
                for usv in group {
                    let input = USVFeatureInput(spectrogram: try snippets.read(usv).spectrogram, startSeconds: usv.startSeconds,
                                                stopSeconds: usv.stopSeconds)
                    let result = try plugin.compute(input, parameters: parameters)
                    values.append((usv.usvID, StoredFeature(plugin: descriptor.id, pluginVersion: descriptor.version,
                                                            parameters: fingerprint, values: result)))
                }
                try catalog.storeFeatures(values)
                computed += values.count
            } catch {
                failed.append("\(name): \(error)")
            }
            progress.update(phase: "recordings", done: Int64(index + 1), total: Int64(byRecording.count), unit: .items)
        }
        return Report(plugin: descriptor.id, pluginVersion: descriptor.version, parameters: fingerprint, computed: computed,
                      cached: cached, failed: failed, seconds: Date().timeIntervalSince(started))
    }
}
