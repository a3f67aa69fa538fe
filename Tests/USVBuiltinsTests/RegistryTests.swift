import Foundation
import Testing
import USVBuiltins
import USVCore
import USVTestSupport

@Suite struct RegistryTests {
    /// Every folder `Plugins/<Kind>/<Name>` must be a module `USV<Kind singular><Name>` that is registered.
    @Test func everyPluginFolderIsRegistered() throws {
        let plugins = repositoryRoot() + "/Plugins"
        let registered = Set(try BuiltinPlugins.registry().typeNames.compactMap { $0.split(separator: ".").first.map(String.init) })
        var folders = 0
        for kind in try FileManager.default.contentsOfDirectory(atPath: plugins).sorted() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: plugins + "/" + kind, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let singular = kind.hasSuffix("s") ? String(kind.dropLast()) : kind
            for name in try FileManager.default.contentsOfDirectory(atPath: plugins + "/" + kind) {
                folders += 1
                let module = "USV\(singular)\(name)"
                #expect(registered.contains(module), "Plugins/\(kind)/\(name) (module \(module)) is not registered in BuiltinPlugins")
            }
        }
        #expect(folders >= 1)
        #expect(folders == registered.count, "registered modules \(registered.sorted()) vs \(folders) plugin folders")
    }

    @Test func idsAreUniqueAndDescriptorsComplete() throws {
        let registry = try BuiltinPlugins.registry()
        let ids = registry.descriptors.map(\.id)
        #expect(Set(ids).count == ids.count)
        for descriptor in registry.descriptors {
            #expect(descriptor.id.hasPrefix(descriptor.kind.rawValue + "."), "\(descriptor.id) should start with its kind")
            #expect(descriptor.version.split(separator: ".").count == 3)
            #expect(!descriptor.capabilities.isEmpty)
            #expect(!descriptor.summary.isEmpty)
        }
        #expect(throws: USVError.self) { try PluginRegistry(BuiltinPlugins.all + BuiltinPlugins.all) }
    }

    /// Every built-in parameter's default passes its own declared type, so typed checking never rejects a
    /// plugin's defaults, and every type is one the checker knows or free text on purpose.
    @Test func everyBuiltinDefaultPassesItsDeclaredType() throws {
        for descriptor in try BuiltinPlugins.registry().descriptors {
            for parameter in descriptor.parameters {
                #expect(throws: Never.self, "\(descriptor.id) \(parameter.name) = \(parameter.defaultValue) (\(parameter.type))") {
                    try parameter.checked(parameter.defaultValue)
                }
            }
        }
    }

    @Test func parameterFingerprintIsStableAndRejectsUnknownNames() throws {
        let descriptor = PluginDescriptor(id: "feature.test", version: "1.0.0", kind: .feature, summary: "t",
                                          capabilities: ["compute"],
                                          parameters: [PluginParameter("window", type: "int", default: "500", "w"),
                                                       PluginParameter("hop", type: "int", default: "250", "h")])
        let defaults = try ParameterValues(defaultsOf: descriptor)
        let same = try ParameterValues(defaultsOf: descriptor, overrides: ["hop": "250"])
        let other = try ParameterValues(defaultsOf: descriptor, overrides: ["hop": "125"])
        #expect(defaults.fingerprint == same.fingerprint)
        #expect(defaults.fingerprint != other.fingerprint)
        #expect(try other.int("hop") == 125)
        #expect(throws: USVError.self) { try ParameterValues(defaultsOf: descriptor, overrides: ["hopp": "1"]) }
    }
}
