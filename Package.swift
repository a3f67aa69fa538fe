// swift-tools-version:6.1
// USVKit: mouse ultrasonic-vocalization data sets — verify, ingest, convert, classify.
//
// Layout: `Sources/` holds the core modules and the `usv` executable; `Plugins/` holds runtime plugin
// modules (formats, features, models, data-set adapters and sources), one library target each. These are
// ordinary library targets registered in `USVBuiltins`, not SwiftPM build-tool plugins.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

#if arch(x86_64)
/// The vector kernels are compiled for Haswell (AVX2 and FMA: Intel since 2013, AMD since 2015); the engine calls
/// them only after checking the CPU at run time and computes through im2col and OpenBLAS otherwise.
let vectorKernelFlags = ["-O", "-target-cpu", "haswell"]
#else
let vectorKernelFlags = ["-O"]
#endif

/// A runtime plugin: a library target under `Plugins/<Kind>/<Name>` whose module is `USV<Kind><Name>`.
func plugin(_ module: String, path: String, dependencies: [Target.Dependency] = []) -> Target {
    .target(name: module, dependencies: ["USVCore"] + dependencies, path: path, swiftSettings: swiftSettings)
}

/// The tests of one module, under `Tests/<Module>Tests`.
func tests(_ module: String, dependencies: [Target.Dependency] = []) -> Target {
    .testTarget(name: "\(module)Tests", dependencies: [.byName(name: module), "USVTestSupport"] + dependencies,
                path: "Tests/\(module)Tests", swiftSettings: swiftSettings)
}

let package = Package(
    name: "USVKit",
    // Linux only: no `platforms:` line for macOS. The sources have Darwin branches in places, but not everywhere
    // (`Glibc.` names, an unguarded `import Glibc`) and the package has never been built there.
    products: [
        .executable(name: "usv", targets: ["usv"]),
        .library(name: "USVCore", targets: ["USVCore"]),
        .library(name: "USVCatalog", targets: ["USVCatalog"]),
    ],
    // Exact versions, so that every clone builds with the same dependencies (Package.resolved is not committed: the
    // mirrors these machines read the packages from have other commit ids than upstream). swift-crypto also resolves
    // swift-asn1 (any 1.x from 1.2.0), but only for its _CryptoExtras module, which USVKit neither builds nor links.
    // The Python peers are pinned in requirements.txt.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // C libraries, each behind a module map and a small shim header.
        .systemLibrary(name: "CSndfile", path: "Sources/CSndfile", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CFFTW3", path: "Sources/CFFTW3", pkgConfig: "fftw3f",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"])]),

        // The core: domain model, manifests and verification, archives, plugin protocols and registry.
        .target(name: "USVCore", dependencies: [
            "CArchive", "CHDF5",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // The SQLite catalog (GRDB): schema, migrations, verify cache, runs.
        .target(name: "USVCatalog", dependencies: [
            "USVCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: swiftSettings),
        // Shared signal processing and audio I/O used by plugins (libsndfile, FFTW).
        .target(name: "USVSignal", dependencies: ["USVCore", "CSndfile", "CFFTW3"], swiftSettings: swiftSettings),
        // Runs a data-set adapter's plan into the catalog: verify, detect, store (one transaction per recording).
        .target(name: "USVIngest", dependencies: [
            "USVCore", "USVCatalog", "USVSignal", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // The learning engine: linear algebra on OpenBLAS, protocols, metrics, evaluation, networks. Its loops
        // (im2col, batch norm, Adam) are optimised in debug builds too, so that the tests train real networks.
        .target(name: "USVLearn", dependencies: ["USVCore", "CBLAS", "USVVectorKernels", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Convolution loops in 8-wide fused multiply-adds, for CPUs that have them (see `vectorKernelFlags`).
        .target(name: "USVVectorKernels", path: "Sources/USVVectorKernels",
                swiftSettings: swiftSettings + [.unsafeFlags(vectorKernelFlags)]),
        // Conformance checkers and fixture generators that every plugin's tests call.
        .target(name: "USVTestSupport", dependencies: ["USVCore", "USVSignal"], swiftSettings: swiftSettings),
        // The one place that knows every plugin: builds the registry the CLI passes around.
        .target(name: "USVBuiltins", dependencies: [
            "USVCore", "USVFormatAudio", "USVFormatPNG", "USVFormatMAT", "USVFormatTables", "USVFormatAnnotations", "USVFormatNumPy", "USVFeatureDetector", "USVFeatureSpectrogram", "USVFeatureProperties",
            "USVFeatureVectors", "USVFeatureExtended", "USVFeatureDNNInput", "USVDataSetDonders", "USVDataSetFolder", "USVModelRidge", "USVModelSVM", "USVModelMLP", "USVModelCNN", "USVModelSemiConv", "USVDataSetSynth",
        ], swiftSettings: swiftSettings),
        .executableTarget(name: "usv", dependencies: [
            "USVCore", "USVCatalog", "USVSignal", "USVIngest", "USVLearn", "USVBuiltins",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),

        // Benchmark driver for Benchmarks/run.sh (timings beside the Python peers; not part of the tool).
        .executableTarget(name: "usv-bench", dependencies: ["USVCore", "USVLearn", "USVModelRidge", "USVModelSVM", "USVTestSupport",
                                                           "USVSignal", "USVFeatureDetector"],
                          path: "Benchmarks/usv-bench", swiftSettings: swiftSettings),

        // Runtime plugins.
        plugin("USVFormatAudio", path: "Plugins/Formats/Audio", dependencies: ["USVSignal"]),
        plugin("USVFormatPNG", path: "Plugins/Formats/PNG", dependencies: ["USVSignal", "CPNG"]),
        plugin("USVFormatMAT", path: "Plugins/Formats/MAT", dependencies: ["CZlib"]),
        plugin("USVFormatTables", path: "Plugins/Formats/Tables"),
        plugin("USVFormatAnnotations", path: "Plugins/Formats/Annotations"),
        plugin("USVFormatNumPy", path: "Plugins/Formats/NumPy", dependencies: ["CArchive"]),
        plugin("USVFeatureDetector", path: "Plugins/Features/Detector", dependencies: ["USVSignal"]),
        plugin("USVFeatureSpectrogram", path: "Plugins/Features/Spectrogram", dependencies: ["USVSignal"]),
        plugin("USVFeatureProperties", path: "Plugins/Features/Properties", dependencies: ["USVSignal"]),
        plugin("USVFeatureVectors", path: "Plugins/Features/Vectors", dependencies: ["USVSignal"]),
        plugin("USVFeatureExtended", path: "Plugins/Features/Extended", dependencies: ["USVSignal"]),
        plugin("USVFeatureDNNInput", path: "Plugins/Features/DNNInput", dependencies: ["USVSignal"]),
        plugin("USVDataSetDonders", path: "Plugins/DataSets/Donders"),
        plugin("USVDataSetFolder", path: "Plugins/DataSets/Folder"),
        plugin("USVModelRidge", path: "Plugins/Models/Ridge", dependencies: ["USVLearn"]),
        plugin("USVModelSVM", path: "Plugins/Models/SVM", dependencies: ["USVLearn"]),
        plugin("USVModelMLP", path: "Plugins/Models/MLP", dependencies: ["USVLearn"]),
        plugin("USVModelCNN", path: "Plugins/Models/CNN", dependencies: ["USVLearn"]),
        plugin("USVModelSemiConv", path: "Plugins/Models/SemiConv", dependencies: ["USVLearn"]),
        plugin("USVDataSetSynth", path: "Plugins/DataSets/Synth", dependencies: ["USVSignal", "CArchive"]),

        // Tests: one target per module.
        tests("USVCore"),
        tests("USVCatalog"),
        tests("USVSignal"),
        tests("USVBuiltins"),
        // End-to-end tests of the `usv` executable, run as a subprocess the way people use it.
        .testTarget(name: "CLITests", dependencies: ["usv", "USVTestSupport", "USVCore", "USVFormatMAT"], path: "Tests/CLITests",
                    swiftSettings: swiftSettings),
        tests("USVFormatAudio"),
        tests("USVFormatPNG"),
        tests("USVFormatMAT"),
        tests("USVFormatTables", dependencies: ["USVCatalog"]),
        tests("USVFormatAnnotations", dependencies: ["USVFormatTables"]),
        tests("USVFormatNumPy"),
        // The detector and property tests score against the synthetic twin's ground truth.
        tests("USVFeatureDetector", dependencies: ["USVDataSetSynth", "USVFeatureProperties", "USVSignal"]),
        tests("USVFeatureSpectrogram"),
        tests("USVFeatureProperties"),
        tests("USVFeatureVectors"),
        tests("USVFeatureExtended"),
        tests("USVFeatureDNNInput"),
        tests("USVDataSetSynth"),
        tests("USVLearn"),
        tests("USVModelRidge"),
        tests("USVModelSVM", dependencies: ["USVModelRidge"]),
        tests("USVModelMLP"),
        tests("USVModelCNN", dependencies: ["USVModelRidge", "USVModelSVM"]),
        tests("USVModelSemiConv"),
        tests("USVDataSetDonders", dependencies: ["USVDataSetSynth"]),
        // Ingest end to end on the synthetic twin, with the real plugins from the builtin registry.
        tests("USVIngest", dependencies: ["USVBuiltins", "USVCatalog", "USVDataSetSynth", "USVFormatMAT", "usv"]),

        // Every parser of untrusted bytes as a fuzz target: run bounded and seeded by the tests, and coverage-guided
        // by libFuzzer through `usv-fuzz` (`make fuzz TARGET=… SECONDS=…`).
        .target(name: "USVFuzzTargets", dependencies: [
            "USVCore", "USVCatalog", "USVSignal", "USVTestSupport", "CZlib", "USVDataSetDonders", "USVFormatAnnotations", "USVFormatAudio",
            "USVFormatMAT", "USVFormatNumPy", "USVFormatPNG", "USVFormatTables",
        ], swiftSettings: swiftSettings),
        tests("USVFuzzTargets"),
    ]
)

// `usv-fuzz`, the libFuzzer driver, exists only when `make fuzz` asks for it (USV_FUZZ=1): it calls libFuzzer's
// LLVMFuzzerRunDriver, which only a build with `-sanitize=fuzzer` links.
if Context.environment["USV_FUZZ"] == "1" {
    package.targets.append(.executableTarget(name: "usv-fuzz", dependencies: ["USVFuzzTargets", "USVCore"], path: "Fuzz",
                                             swiftSettings: swiftSettings))
}
