/// The set of plugins a run can use. A value built once at start-up (see `USVBuiltins`) and passed
/// explicitly — there is no global mutable registry.
public struct PluginRegistry: Sendable {
    public private(set) var plugins: [any Plugin] = []

    public init() {}

    public init(_ plugins: [any Plugin]) throws {
        for plugin in plugins { try register(plugin) }
    }

    /// Adds a plugin; ids are unique across kinds.
    public mutating func register(_ plugin: any Plugin) throws {
        let id = plugin.descriptor.id
        guard !plugins.contains(where: { $0.descriptor.id == id }) else {
            throw USVError.usage("plugin id '\(id)' is registered twice")
        }
        plugins.append(plugin)
    }

    public var descriptors: [PluginDescriptor] {
        plugins.map(\.descriptor).sorted { ($0.kind, $0.id) < ($1.kind, $1.id) }
    }

    /// The plugin with this id, or nil.
    public func plugin(id: String) -> (any Plugin)? { plugins.first { $0.descriptor.id == id } }

    /// All plugins that conform to `type` (e.g. `(any AudioReadingFormat).self`), in registration order.
    public func all<T>(_ type: T.Type) -> [T] { plugins.compactMap { $0 as? T } }

    /// The plugin of protocol `type` with this id; a usage error naming the known ids otherwise.
    /// The plugin of protocol `type` with this id, or with this short name (the id without its kind:
    /// `extended-24` for `feature.extended-24`); an unknown name gets a did-you-mean.
    public func require<T>(_ type: T.Type, id: String) throws -> T {
        if let match = plugins.first(where: { $0.descriptor.id == id }) as? T { return match }
        let candidates = plugins.filter { $0 is T }
        let short = candidates.filter { $0.descriptor.id.split(separator: ".", maxSplits: 1).last.map(String.init) == id }
        if short.count == 1, let match = short.first as? T { return match }
        let known = candidates.map(\.descriptor.id).sorted()
        let suggestion = closestName(to: id, among: known + known.compactMap { $0.split(separator: ".", maxSplits: 1).last.map(String.init) })
            .map { " (did you mean '\($0)'?)" } ?? ""
        throw USVError.usage("no plugin '\(id)' of this kind\(suggestion); known: \(known.joined(separator: ", "))")
    }

    /// The full id of the plugin of protocol `type` that `name` (an id or a short name) names.
    public func resolvedID<T>(_ type: T.Type, _ name: String) throws -> String {
        try (require(type, id: name) as? any Plugin)?.descriptor.id ?? name
    }

    /// The format of protocol `type` that is most confident it reads a file with these first bytes and name.
    public func bestFormat<T>(_ type: T.Type, head: [UInt8], fileName: String) -> T? {
        let candidates = plugins.compactMap { $0 as? any FormatPlugin }
            .map { ($0, $0.sniff(head: head, fileName: fileName)) }
            .filter { $0.1 > .no && $0.0 is T }
        return candidates.max { $0.1 < $1.1 }?.0 as? T
    }

    /// Fully qualified type names (`Module.Type`) of the registered plugins, for the registry test.
    public var typeNames: [String] { plugins.map { String(reflecting: type(of: $0)) } }
}
