import ArgumentParser
import Foundation
import USVCatalog
import USVCore
import USVLearn

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "What this usv runs on: its version, OpenBLAS and its kernels, the CPU, the libraries, the catalog.",
        discussion: """
            What a bug report needs. OpenBLAS's kernel family says who chose it: OpenBLAS (its own detection), usv \
            (OpenBLAS fell back to generic kernels on a CPU it does not know, and usv chose from the CPU's features) \
            or the user (OPENBLAS_CORETYPE). The catalog is only looked at: a missing one is reported as none, not \
            created. USV_VERBOSE=1 makes every command log the same BLAS and CPU facts on stderr when it starts.

            Examples:
              usv info
              usv info --json > info.json
              OPENBLAS_CORETYPE=Haswell usv info
            """)

    @OptionGroup var catalogOptions: CatalogOptions

    @Flag(help: "Write JSON (schemas/info.schema.json).")
    var json = false

    @Flag(help: .hidden)
    var selfCheck = false

    func run() throws {
        let report = try InfoReport.gather(catalogPath: catalogOptions.noCatalog ? nil : (catalogOptions.catalog ?? Catalog.defaultPath),
                                           selfCheck: selfCheck)
        if json {
            try printJSON(report)
        } else {
            print(report.text)
        }
    }
}

/// What `usv info --json` writes (schemas/info.schema.json).
struct InfoReport: Encodable {
    struct BLAS: Encodable {
        var library = "OpenBLAS"
        var version: String
        var config: String
        var path: String?
        var coreType: String
        var chosenBy: BLASKernelStatus.Source
        var requested: String?
        var openblasChoice: String?
        var usvChoice: String?
        var dynamicArch: Bool
        var threads: Int
        var runnableFamilies: [String]
        var families: [Family]
    }

    struct Family: Encodable {
        var name: String
        var missing: [String]
    }

    struct CPU: Encodable {
        var vendor: String
        var model: String
        var family: Int
        var modelNumber: Int
        var features: [String]
        var absent: [String]
    }

    struct VectorKernels: Encodable {
        var active: Bool
        var instructionSet: String
        var kernels = "direct convolutions of 8-32 filters (USVVectorKernels); im2col + sgemm otherwise"
    }

    struct Library: Encodable {
        var name: String
        var version: String?
        var path: String?
    }

    struct CatalogInfo: Encodable {
        var path: String?
        var exists: Bool
        var schemaVersion: String?
        var appliedMigrations: [String]
        var knownMigrations: [String]
        var current: Bool
        var problem: String?
    }

    struct SelfCheck: Encodable {
        var coreType: String
        var sgemm: [Float]
        var dgemm: [Double]
        var ridgeScores: [Double]
        var networkInference: [Float]
        var networkTraining: [Float]
        var networkLoss: Float
        var networkGradients: [Float]
        var networkAfterAdam: [Float]
    }

    var schemaVersion = 1
    var version: String
    var blas: BLAS
    var cpu: CPU
    var vectorKernels: VectorKernels
    var libraries: [Library]
    var catalog: CatalogInfo
    var selfCheck: SelfCheck?

    static func gather(catalogPath: String?, selfCheck: Bool) throws -> InfoReport {
        let cpu = CPUDescription.current
        let status = BLASKernelStatus.current
        let blas = BLAS(
            version: BLASRuntime.version, config: BLASRuntime.config, path: BLASRuntime.libraryPath, coreType: status.coreType,
            chosenBy: status.source, requested: status.requested, openblasChoice: status.openBLASChoice,
            usvChoice: BLASKernelSelection.bestFamily(vendor: cpu.vendor, features: cpu.features), dynamicArch: BLASRuntime.dynamicArch,
            threads: BLASRuntime.threads, runnableFamilies: BLASKernelFamily.runnable(with: cpu.features),
            families: BLASKernelFamily.all.map { Family(name: $0.name, missing: BLASKernelFamily.missingFeatures($0.name, in: cpu.features) ?? []) })
        let catalog: CatalogInfo
        if let catalogPath {
            let inspection = Catalog.inspect(path: catalogPath)
            catalog = CatalogInfo(path: inspection.path, exists: inspection.exists, schemaVersion: inspection.schemaVersion,
                                  appliedMigrations: inspection.appliedMigrations, knownMigrations: inspection.knownMigrations,
                                  current: inspection.isCurrent, problem: inspection.problem)
        } else {
            catalog = CatalogInfo(path: nil, exists: false, schemaVersion: nil, appliedMigrations: [], knownMigrations: [], current: false,
                                  problem: nil)
        }
        return InfoReport(
            version: USVCommand.configuration.version, blas: blas,
            cpu: CPU(vendor: cpu.vendor, model: cpu.model, family: cpu.family, modelNumber: cpu.modelNumber,
                     features: CPUDescription.checkedFeatures.filter(cpu.features.contains),
                     absent: CPUDescription.checkedFeatures.filter { !cpu.features.contains($0) }),
            vectorKernels: VectorKernels(active: LinearAlgebra.hasVectorKernels, instructionSet: LinearAlgebra.hasVectorKernels ? "AVX2+FMA" : "none"),
            libraries: libraries(), catalog: catalog, selfCheck: selfCheck ? try runSelfCheck(coreType: status.coreType) : nil)
    }

    /// The libraries the process loaded, each asked for its version through its own function, found with dlsym: the
    /// version and file that answer at run time, whatever the build was compiled against.
    static func libraries() -> [Library] {
        typealias VersionString = @convention(c) () -> UnsafePointer<CChar>?
        typealias PNGVersion = @convention(c) (UnsafeRawPointer?) -> UnsafePointer<CChar>?
        typealias HDF5Version = @convention(c) (UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?) -> Int32
        func call(_ symbol: String) -> String? {
            guard let address = SharedObjects.address(ofSymbol: symbol) else { return nil }
            return unsafeBitCast(address, to: VersionString.self)().map { String(cString: $0) }
        }
        var hdf5: String?
        if let address = SharedObjects.address(ofSymbol: "H5get_libversion") {
            var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
            if unsafeBitCast(address, to: HDF5Version.self)(&major, &minor, &release) >= 0 { hdf5 = "\(major).\(minor).\(release)" }
        }
        let png = SharedObjects.address(ofSymbol: "png_get_libpng_ver")
            .flatMap { unsafeBitCast($0, to: PNGVersion.self)(nil) }.map { String(cString: $0) }
        // fftwf_version is a char array, not a function.
        let fftw = SharedObjects.address(ofSymbol: "fftwf_version").map { String(cString: $0.assumingMemoryBound(to: CChar.self)) }
        return [
            Library(name: "libsndfile", version: call("sf_version_string"), path: SharedObjects.path(ofSymbol: "sf_version_string")),
            Library(name: "HDF5", version: hdf5, path: SharedObjects.path(ofSymbol: "H5get_libversion")),
            Library(name: "FFTW (single precision)", version: fftw, path: SharedObjects.path(ofSymbol: "fftwf_version")),
            Library(name: "libarchive", version: call("archive_version_string"), path: SharedObjects.path(ofSymbol: "archive_version_string")),
            Library(name: "SQLite", version: call("sqlite3_libversion"), path: SharedObjects.path(ofSymbol: "sqlite3_libversion")),
            Library(name: "zlib", version: call("zlibVersion"), path: SharedObjects.path(ofSymbol: "zlibVersion")),
            Library(name: "libpng", version: png, path: SharedObjects.path(ofSymbol: "png_get_libpng_ver")),
        ]
    }

    /// The fixed workload (`BLASSelfCheck`) plus a ridge fit through the registered plugin (Gram matrix by dsyrk,
    /// Cholesky through LAPACK): values that tests compare across forced kernel families.
    static func runSelfCheck(coreType: String) throws -> SelfCheck {
        let check = BLASSelfCheck.run()
        var random = SeededRandom(seed: 8)
        let rows = 400, columns = 20, testRows = 50
        let values = (0..<((rows + testRows) * columns)).map { index in random.truncatedNormal() + (index / columns % 2 == 1 && index % columns < 4 ? 0.75 : 0) }
        let labels = (0..<rows).map { $0 % 2 }
        let training = LabelledSamples(x: DesignMatrix(rows: rows, columns: columns, values: Array(values.prefix(rows * columns))), labels: labels,
                                       groups: labels.map { $0 + 1 }, classNames: ["female", "male"],
                                       featureNames: (0..<columns).map { "f\($0)" }, usvIDs: (0..<rows).map { Int64($0 + 1) })
        let ridge = try registry().require((any ModelPlugin).self, id: "model.ridge")
        let fitted = try LinearAlgebra.withThreads(1) {
            try ridge.fit(training, parameters: ParameterValues(defaultsOf: type(of: ridge).descriptor), seed: 0)
        }
        // One score per class and row; the last class's column.
        let allScores = fitted.scores(DesignMatrix(rows: testRows, columns: columns, values: Array(values.suffix(testRows * columns))))
        let classes = max(1, fitted.classes)
        let scores = stride(from: classes - 1, to: allScores.count, by: classes).map { allScores[$0] }
        return SelfCheck(coreType: coreType, sgemm: check.sgemm, dgemm: check.dgemm, ridgeScores: scores, networkInference: check.networkInference,
                         networkTraining: check.networkTraining, networkLoss: check.networkLoss, networkGradients: check.networkGradients,
                         networkAfterAdam: check.networkAfterAdam)
    }

    var text: String {
        var lines = ["usv \(version)"]
        lines.append("BLAS        OpenBLAS \(blas.version) at \(blas.path ?? "an unknown path") (\(blas.config))")
        let chooser: String
        switch blas.chosenBy {
        case .openblas:
            chooser = "chosen by OpenBLAS" + (blas.requested.map { "; OPENBLAS_CORETYPE=\($0) was not taken" } ?? "")
                + (blas.usvChoice.map { $0 == blas.coreType ? "; usv would choose the same" : "; usv's choice from the CPU's features: \($0)" } ?? "")
        case .usv: chooser = "chosen by usv: OpenBLAS by itself picked \(blas.openblasChoice ?? "?") for this CPU"
        case .user: chooser = "chosen by the user: OPENBLAS_CORETYPE=\(blas.requested ?? blas.coreType)"
        }
        lines.append("  kernels   \(blas.coreType) (\(chooser)), \(blas.threads) threads")
        lines.append("  runnable  \(blas.runnableFamilies.joined(separator: " "))")
        lines.append("CPU         \(cpu.model) (\(cpu.vendor), family \(cpu.family), model \(cpu.modelNumber))")
        lines.append("  features  \(cpu.features.joined(separator: " "))")
        lines.append("  absent    \(cpu.absent.isEmpty ? "-" : cpu.absent.joined(separator: " "))")
        lines.append("vector kernels  \(vectorKernels.active ? "AVX2+FMA " + vectorKernels.kernels : "off: im2col + sgemm everywhere (no AVX2+FMA)")")
        lines.append("libraries")
        let width = libraries.map(\.name.count).max() ?? 0
        for library in libraries {
            let name = library.name + String(repeating: " ", count: width - library.name.count)
            lines.append("  \(name)  \(library.version ?? "not loaded")  \(library.path ?? "")".trimmingTrailingSpaces)
        }
        if let path = catalog.path, catalog.exists {
            let state = catalog.problem ?? "schema \(catalog.schemaVersion ?? "empty") (\(catalog.appliedMigrations.count) of \(catalog.knownMigrations.count) migrations"
                + (catalog.current ? ", current)" : "; usv migrates it when a command opens it)")
            lines.append("catalog     \(path): \(state)")
        } else {
            lines.append("catalog     none" + (catalog.path.map { " (no file at \($0))" } ?? " (--no-catalog)"))
        }
        if let check = selfCheck {
            func sum<T: BinaryFloatingPoint>(_ values: [T]) -> String { String(format: "%.9g", values.reduce(0.0) { $0 + Double($1) }) }
            lines.append("self-check under \(check.coreType): sgemm Σ \(sum(check.sgemm)), dgemm Σ \(sum(check.dgemm)), ridge Σ \(sum(check.ridgeScores)), "
                + "network loss \(String(format: "%.9g", Double(check.networkLoss))), gradients Σ \(sum(check.networkGradients)), "
                + "after Adam Σ \(sum(check.networkAfterAdam))")
        }
        return lines.joined(separator: "\n")
    }
}
