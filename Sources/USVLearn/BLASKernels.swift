import CBLAS
import Foundation
import USVCore

// OpenBLAS's kernel family, chosen so that a CPU newer than the distribution's OpenBLAS still gets its fast
// kernels. OpenBLAS (built DYNAMIC_ARCH, as Debian's is) picks a family from the CPU model when it loads and falls
// back to generic SSE3 kernels (`Prescott`) for a model it does not know — Debian's 0.3.21 does so on recent
// Intel Xeons with AVX-512, where they are 3-5× slower than the `Cooperlake` kernels the CPU can run. Here the
// choice is made from the CPU's features instead, and a family the CPU cannot run is refused before OpenBLAS
// executes one of its instructions.

/// What this CPU offers, read with CPUID, counting a feature only when the OS also saves its registers (XGETBV):
/// vendor, brand string, family and model, and the features that matter to the BLAS kernels and the engine's
/// vector kernels, in Linux's /proc/cpuinfo spelling (`sse3` where Linux says `pni`).
public struct CPUDescription: Sendable, Equatable {
    /// "GenuineIntel", "AuthenticAMD", "HygonGenuine", … (empty off x86).
    public var vendor: String
    /// The brand string ("Intel(R) Xeon(R) Platinum 8488C", "AMD EPYC 7B13"), as CPUID (and /proc/cpuinfo) give it.
    public var model: String
    /// Display family and model (Intel's "family 6, model 207").
    public var family: Int
    public var modelNumber: Int
    public var features: Set<String>

    public init(vendor: String, model: String, family: Int, modelNumber: Int, features: Set<String>) {
        self.vendor = vendor
        self.model = model
        self.family = family
        self.modelNumber = modelNumber
        self.features = features
    }

    /// The features reported (`usv info`) and checked, in this order. x86-64's baseline SSE and SSE2 are not listed.
    public static let checkedFeatures = [
        "sse3", "ssse3", "sse4_1", "sse4_2", "popcnt", "avx", "f16c", "fma", "bmi1", "bmi2", "avx2",
        "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512ifma", "avx512vbmi", "avx512_vnni",
        "avx512_bf16", "avx512_fp16", "sse4a", "fma4", "xop", "3dnow", "3dnowext",
    ]

    public var isAMD: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }

    /// This machine's CPU (read once).
    public static let current = readCurrent()

    /// Where each feature sits: CPUID leaf, sub-leaf, register (0 eax … 3 edx), bit, and the register state the OS
    /// must save (0 none, 1 AVX's YMM, 2 AVX-512's ZMM and mask registers).
    private static let featureBits: [(name: String, leaf: UInt32, subleaf: UInt32, register: Int, bit: Int, state: Int)] = [
        ("sse3", 1, 0, 2, 0, 0), ("ssse3", 1, 0, 2, 9, 0), ("fma", 1, 0, 2, 12, 1), ("sse4_1", 1, 0, 2, 19, 0),
        ("sse4_2", 1, 0, 2, 20, 0), ("popcnt", 1, 0, 2, 23, 0), ("avx", 1, 0, 2, 28, 1), ("f16c", 1, 0, 2, 29, 1),
        ("bmi1", 7, 0, 1, 3, 0), ("avx2", 7, 0, 1, 5, 1), ("bmi2", 7, 0, 1, 8, 0),
        ("avx512f", 7, 0, 1, 16, 2), ("avx512dq", 7, 0, 1, 17, 2), ("avx512ifma", 7, 0, 1, 21, 2),
        ("avx512cd", 7, 0, 1, 28, 2), ("avx512bw", 7, 0, 1, 30, 2), ("avx512vl", 7, 0, 1, 31, 2),
        ("avx512vbmi", 7, 0, 2, 1, 2), ("avx512_vnni", 7, 0, 2, 11, 2), ("avx512_fp16", 7, 0, 3, 23, 2),
        ("avx512_bf16", 7, 1, 0, 5, 2),
        ("sse4a", 0x8000_0001, 0, 2, 6, 0), ("xop", 0x8000_0001, 0, 2, 11, 1), ("fma4", 0x8000_0001, 0, 2, 16, 1),
        ("3dnowext", 0x8000_0001, 0, 3, 30, 0), ("3dnow", 0x8000_0001, 0, 3, 31, 0),
    ]

    private static func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> [UInt32]? {
        var registers: [UInt32] = [0, 0, 0, 0]
        let found = registers.withUnsafeMutableBufferPointer { usv_cpuid(leaf, subleaf, $0.baseAddress) }
        return found != 0 ? registers : nil
    }

    private static func text(_ words: [UInt32]) -> String {
        let bytes = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    private static func readCurrent() -> CPUDescription {
        guard let leaf0 = cpuid(0), let leaf1 = cpuid(1) else {
            return CPUDescription(vendor: "", model: "", family: 0, modelNumber: 0, features: [])
        }
        let vendor = text([leaf0[1], leaf0[3], leaf0[2]])
        var model = ""
        if let extended = cpuid(0x8000_0000), extended[0] >= 0x8000_0004 {
            model = text((0x8000_0002...0x8000_0004).flatMap { cpuid($0) ?? [0, 0, 0, 0] })
        }
        let baseFamily = Int((leaf1[0] >> 8) & 0xF), baseModel = Int((leaf1[0] >> 4) & 0xF)
        let family = baseFamily == 0xF ? baseFamily + Int((leaf1[0] >> 20) & 0xFF) : baseFamily
        let modelNumber = baseFamily == 0x6 || baseFamily == 0xF ? baseModel + (Int((leaf1[0] >> 16) & 0xF) << 4) : baseModel
        // XGETBV only where OSXSAVE says the OS uses XSAVE; then YMM needs XCR0 bits 1-2, ZMM also bits 5-7.
        let xcr0 = (leaf1[2] >> 27) & 1 == 1 ? usv_xgetbv0() : 0
        let ymm = xcr0 & 0x6 == 0x6, zmm = xcr0 & 0xE6 == 0xE6
        var leaves: [String: [UInt32]] = [:]
        var features = Set<String>()
        for entry in featureBits {
            let key = "\(entry.leaf).\(entry.subleaf)"
            if leaves[key] == nil { leaves[key] = cpuid(entry.leaf, entry.subleaf) ?? [0, 0, 0, 0] }
            guard let registers = leaves[key], (registers[entry.register] >> UInt32(entry.bit)) & 1 == 1 else { continue }
            if entry.state == 1 && !ymm || entry.state == 2 && !zmm { continue }
            features.insert(entry.name)
        }
        return CPUDescription(vendor: vendor, model: model.isEmpty ? vendor : model, family: family, modelNumber: modelNumber,
                              features: features)
    }
}

/// OpenBLAS's x86-64 kernel families (OpenBLAS 0.3.21's names, as `openblas_get_corename()` prints them and
/// `OPENBLAS_CORETYPE` takes them, case aside) and what their kernels execute.
///
/// The features come from Debian's libopenblas 0.3.21 itself: its kernels disassembled and counted per family
/// (SSE3 everywhere; SSSE3 from Core2/Atom; SSE4.1 from Penryn; AVX (YMM) from Sandybridge; FMA3 and AVX2 from
/// Haswell and Zen; ZMM and mask registers, and BMI2, in SkylakeX and Cooperlake; AMD's FMA4 in Bulldozer to
/// Excavator; 3DNow!'s `femms` in Opteron) and, for those this CPU lacks, checked by forcing them: Bulldozer,
/// Piledriver, Steamroller and Excavator (FMA4) and Opteron (3DNow!) stop with an illegal instruction at the first
/// sgemm on a Zen 4. SkylakeX asks for every AVX-512 subset its compiler target (`skylake-avx512`) may emit;
/// Cooperlake also for BF16, which OpenBLAS itself requires before it picks Cooperlake (the Debian build's
/// Cooperlake kernels contain no BF16 instruction; builds with newer compilers use it in sbgemm).
public enum BLASKernelFamily {
    public struct Family: Sendable {
        public var name: String
        /// The family OpenBLAS actually runs for this name on x86-64 (the 32-bit-only ones become Prescott).
        public var runsAs: String
        public var features: [String]
        /// Better kernels have a higher rank; only the families usv may choose and those it may replace need one.
        public var rank: Int
    }

    static let skylakeX = ["sse3", "ssse3", "avx", "avx2", "fma", "bmi2", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]

    public static let all: [Family] = [
        Family(name: "Cooperlake", runsAs: "Cooperlake", features: skylakeX + ["avx512_bf16"], rank: 8),
        Family(name: "SkylakeX", runsAs: "SkylakeX", features: skylakeX, rank: 7),
        Family(name: "Zen", runsAs: "Zen", features: ["sse3", "ssse3", "avx", "avx2", "fma"], rank: 6),
        Family(name: "Haswell", runsAs: "Haswell", features: ["sse3", "ssse3", "avx", "avx2", "fma"], rank: 6),
        Family(name: "Excavator", runsAs: "Excavator", features: ["sse3", "avx", "fma", "fma4"], rank: 5),
        Family(name: "Steamroller", runsAs: "Steamroller", features: ["sse3", "avx", "fma", "fma4"], rank: 5),
        Family(name: "Piledriver", runsAs: "Piledriver", features: ["sse3", "avx", "fma", "fma4"], rank: 5),
        Family(name: "Bulldozer", runsAs: "Bulldozer", features: ["sse3", "avx", "fma4"], rank: 5),
        Family(name: "Sandybridge", runsAs: "Sandybridge", features: ["sse3", "ssse3", "avx"], rank: 5),
        Family(name: "Nehalem", runsAs: "Nehalem", features: ["sse3", "ssse3", "sse4_1"], rank: 4),
        Family(name: "Dunnington", runsAs: "Dunnington", features: ["sse3", "ssse3", "sse4_1"], rank: 3),
        Family(name: "Penryn", runsAs: "Penryn", features: ["sse3", "ssse3", "sse4_1"], rank: 3),
        Family(name: "Core2", runsAs: "Core2", features: ["sse3", "ssse3"], rank: 2),
        Family(name: "Atom", runsAs: "Atom", features: ["sse3", "ssse3"], rank: 2),
        Family(name: "Nano", runsAs: "Nano", features: ["sse3", "ssse3"], rank: 2),
        Family(name: "Bobcat", runsAs: "Bobcat", features: ["sse3", "ssse3"], rank: 2),
        Family(name: "Barcelona", runsAs: "Barcelona", features: ["sse3"], rank: 1),
        Family(name: "Opteron_SSE3", runsAs: "Opteron_SSE3", features: ["sse3", "3dnow"], rank: 1),
        Family(name: "Opteron", runsAs: "Opteron", features: ["3dnow"], rank: 1),
        Family(name: "Prescott", runsAs: "Prescott", features: ["sse3"], rank: 1),
        Family(name: "Katmai", runsAs: "Prescott", features: ["sse3"], rank: 1),
        Family(name: "Coppermine", runsAs: "Prescott", features: ["sse3"], rank: 1),
        Family(name: "Northwood", runsAs: "Prescott", features: ["sse3"], rank: 1),
        Family(name: "Banias", runsAs: "Prescott", features: ["sse3"], rank: 1),
        Family(name: "Athlon", runsAs: "Prescott", features: ["sse3"], rank: 1),
    ]

    /// The family of that name (OpenBLAS compares names without case), or nil for a name this table does not know.
    public static func named(_ name: String) -> Family? {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        return all.first { $0.name.lowercased() == key }
    }

    /// The features `family` needs that `features` lacks (empty: it runs), or nil for a name this table does not know.
    public static func missingFeatures(_ family: String, in features: Set<String>) -> [String]? {
        named(family).map { $0.features.filter { !features.contains($0) } }
    }

    /// The families a CPU with `features` runs, best first.
    public static func runnable(with features: Set<String>) -> [String] {
        all.filter { family in family.runsAs == family.name && family.features.allSatisfy(features.contains) }.map(\.name)
    }
}

/// The decision: which family usv asks OpenBLAS for, if any.
public enum BLASKernelSelection {
    /// What OpenBLAS reports when it does not know the CPU model: Intel's fallbacks (Prescott for an unknown model,
    /// and the older families its rules may land on) and Barcelona, its fallback for an AMD family it does not know.
    public static let genericFamilies: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "sandybridge", "barcelona"]

    /// The families usv may choose, best first: AVX-512 with BF16, AVX-512, AVX2 + FMA (Zen on AMD, Haswell on
    /// others), AVX.
    static func preference(vendorIsAMD: Bool) -> [String] {
        ["Cooperlake", "SkylakeX"] + (vendorIsAMD ? ["Zen"] : []) + ["Haswell", "Sandybridge"]
    }

    /// The best family a CPU with these features runs, of those usv chooses among (nil: none; generic kernels).
    public static func bestFamily(vendor: String, features: Set<String>) -> String? {
        let amd = vendor == "AuthenticAMD" || vendor == "HygonGenuine"
        return preference(vendorIsAMD: amd).first { BLASKernelFamily.missingFeatures($0, in: features) == [] }
    }

    /// The family to ask OpenBLAS for, or nil to keep its own choice: nil when the user set `OPENBLAS_CORETYPE`
    /// (theirs always wins; after usv's re-execution the variable is set too, so this never loops), when OpenBLAS
    /// was not built to choose at run time (`dynamicArch` false: it would ignore the variable), when OpenBLAS
    /// recognised the CPU (`coreName` is not one of its generic fallbacks), or when the CPU runs nothing better.
    public static func choose(coreName: String, vendor: String, features: Set<String>, environment: [String: String],
                              dynamicArch: Bool = true) -> String? {
        if let requested = environment["OPENBLAS_CORETYPE"], !requested.isEmpty { return nil }
        guard dynamicArch, genericFamilies.contains(coreName.lowercased()),
              let best = bestFamily(vendor: vendor, features: features),
              let bestRank = BLASKernelFamily.named(best)?.rank else { return nil }
        let currentRank = BLASKernelFamily.named(coreName)?.rank ?? 0
        return bestRank > currentRank ? best : nil
    }
}

/// Which kernels OpenBLAS runs in this process, and who chose them.
public struct BLASKernelStatus: Sendable, Equatable {
    public enum Source: String, Sendable, Codable {
        /// usv asked for them (OpenBLAS had picked generic kernels for this CPU).
        case usv
        /// The user's `OPENBLAS_CORETYPE`.
        case user
        /// OpenBLAS's own detection.
        case openblas
    }

    /// The family in use, as `openblas_get_corename()` names it.
    public var coreType: String
    public var source: Source
    /// `OPENBLAS_CORETYPE` as set (nil when unset).
    public var requested: String?
    /// What OpenBLAS picked by itself, when known (not when the user forced a family).
    public var openBLASChoice: String?

    /// Works the status out from what OpenBLAS reports and the environment: usv's private marker says which value
    /// of `OPENBLAS_CORETYPE` usv set and what OpenBLAS had picked before.
    public static func describe(coreType: String, environment: [String: String]) -> BLASKernelStatus {
        guard let requested = environment["OPENBLAS_CORETYPE"], !requested.isEmpty else {
            return BLASKernelStatus(coreType: coreType, source: .openblas, requested: nil, openBLASChoice: coreType)
        }
        // A name OpenBLAS did not know ("Core not found") leaves the choice to its own detection.
        let effective = BLASKernelFamily.named(requested)?.runsAs ?? requested
        guard effective.lowercased() == coreType.lowercased() else {
            return BLASKernelStatus(coreType: coreType, source: .openblas, requested: requested, openBLASChoice: coreType)
        }
        let marker = (environment[BLASKernelStartup.markerVariable] ?? "").split(separator: ":", maxSplits: 1).map(String.init)
        if marker.count == 2, marker[0] == requested {
            return BLASKernelStatus(coreType: coreType, source: .usv, requested: requested, openBLASChoice: marker[1])
        }
        return BLASKernelStatus(coreType: coreType, source: .user, requested: requested, openBLASChoice: nil)
    }

    /// This process's status.
    public static var current: BLASKernelStatus {
        describe(coreType: BLASRuntime.coreName, environment: ProcessInfo.processInfo.environment)
    }

    /// One line for logs: "Cooperlake (chosen by OpenBLAS)", "Cooperlake (chosen by usv; OpenBLAS picked Prescott)".
    public var summary: String {
        switch source {
        case .openblas:
            let ignored = requested.map { "; OPENBLAS_CORETYPE=\($0) was not taken" } ?? ""
            return "\(coreType) (chosen by OpenBLAS\(ignored))"
        case .usv: return "\(coreType) (chosen by usv; OpenBLAS by itself picked \(openBLASChoice ?? "?") for this CPU)"
        case .user: return "\(coreType) (chosen by the user: OPENBLAS_CORETYPE=\(requested ?? coreType))"
        }
    }
}

/// The OpenBLAS this process loaded.
public enum BLASRuntime {
    /// The family in use ("Haswell", "Zen", "SkylakeX", "Prescott", …).
    public static var coreName: String { usv_blas_core_name().map { String(cString: $0) } ?? "unknown" }
    /// OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64".
    public static var config: String { usv_blas_config().map { String(cString: $0) } ?? "" }
    /// The version from `config` ("0.3.21").
    public static var version: String {
        let words = config.split(separator: " ")
        return words.count > 1 && words[0] == "OpenBLAS" ? String(words[1]) : "unknown"
    }
    /// Built to choose its kernels at run time (so `OPENBLAS_CORETYPE` is read).
    public static var dynamicArch: Bool { config.split(separator: " ").contains("DYNAMIC_ARCH") }
    public static var threads: Int { Int(usv_blas_get_threads()) }
    /// The shared object OpenBLAS was loaded from.
    public static var libraryPath: String? { SharedObjects.path(ofSymbol: "openblas_get_config") }
}

/// Symbols of the libraries this process loaded, looked up at run time: what a bug report needs is the library
/// that actually answers (the dynamic loader's choice, `LD_LIBRARY_PATH` included), not the one built against.
public enum SharedObjects {
    /// The address of a symbol in the program or any library it loaded, or nil.
    public static func address(ofSymbol name: String) -> UnsafeMutableRawPointer? {
        dlsym(dlopen(nil, RTLD_NOW), name)
    }

    /// The file of the shared object defining `name` (dladdr), symbolic links resolved (Debian's alternatives point
    /// libopenblas.so.0 at the pthread or OpenMP build), or nil.
    public static func path(ofSymbol name: String) -> String? {
        address(ofSymbol: name).flatMap { usv_shared_object_of($0) }
            .map { URL(fileURLWithPath: String(cString: $0)).resolvingSymlinksInPath().path }
    }
}

/// What the `usv` and `usv-bench` executables do first, before anything calls BLAS.
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, in its constructor, when the dynamic loader loads it — before `main`.
/// Two ways could make a choice made in `main` count: re-execute the program once with the variable set, or load
/// OpenBLAS ourselves with `dlopen` after setting it. usv re-executes (`execv` of /proc/self/exe with the same
/// arguments): the executables link OpenBLAS (every `cblas_*` call in the package resolves at link time), so a
/// dlopen'ed second copy would sit beside the linked one and every call would have to go through looked-up
/// function pointers. Re-execution costs one extra program start (about 40 ms on a 2-core machine), and only on
/// CPUs that OpenBLAS does not know. The variable and a private marker (`USV_BLAS_CHOICE=<family>:<OpenBLAS's own pick>`)
/// are set for the new process, so it knows the value is usv's and decides nothing again (the variable being set
/// is itself what stops a second re-execution); child processes inherit both, and with them the same kernels.
public enum BLASKernelStartup {
    /// usv's private marker: "<family usv set>:<family OpenBLAS had picked>".
    public static let markerVariable = "USV_BLAS_CHOICE"
    /// Test hook: decide as if OpenBLAS had reported this family (so the re-execution path can be tested on a CPU
    /// that OpenBLAS knows). Only the decision uses it; the status always reports what OpenBLAS runs.
    public static let testReportedCoreVariable = "USV_TEST_BLAS_REPORTED_CORE"

    public enum Action: Sendable, Equatable {
        /// Go on with the kernels OpenBLAS loaded.
        case proceed
        /// Start again with `OPENBLAS_CORETYPE=family` (OpenBLAS picked `replacing`).
        case reexecute(family: String, replacing: String)
        /// Stop: the message says why (exit status 2).
        case refuse(String)
    }

    /// The decision, as a pure function of what OpenBLAS reports, the CPU and the environment.
    ///
    /// A family the CPU cannot run is refused whatever OpenBLAS would make of it. OpenBLAS 0.3.21 takes a forced
    /// family without checking the CPU for most names: SkylakeX on an AVX2-only CPU (checked under QEMU emulating
    /// one) and the FMA4 and 3DNow! families on a Zen 4 die of an illegal instruction at the first sgemm; Cooperlake
    /// on an AVX2-only CPU quietly runs Haswell instead. Neither is what the user asked for.
    public static func action(coreName: String, dynamicArch: Bool, cpu: CPUDescription, environment: [String: String]) -> Action {
        if let requested = environment["OPENBLAS_CORETYPE"], !requested.isEmpty {
            if let missing = BLASKernelFamily.missingFeatures(requested, in: cpu.features), !missing.isEmpty {
                let runnable = BLASKernelFamily.runnable(with: cpu.features)
                return .refuse("OPENBLAS_CORETYPE=\(requested) selects OpenBLAS kernels this CPU cannot run: "
                    + "\(cpu.model) (\(cpu.vendor), family \(cpu.family), model \(cpu.modelNumber)) lacks \(missing.joined(separator: ", ")). "
                    + "OpenBLAS does not check: it would stop at its first call with an illegal instruction (or, for some families, "
                    + "quietly run others). Unset OPENBLAS_CORETYPE (usv then chooses), or set one of the families this CPU runs: "
                    + (runnable.isEmpty ? "none known" : runnable.joined(separator: ", ")) + ".")
            }
            return .proceed
        }
        let reported = environment[testReportedCoreVariable].flatMap { $0.isEmpty ? nil : $0 } ?? coreName
        guard let family = BLASKernelSelection.choose(coreName: reported, vendor: cpu.vendor, features: cpu.features,
                                                      environment: environment, dynamicArch: dynamicArch) else { return .proceed }
        return .reexecute(family: family, replacing: reported)
    }

    /// `USV_VERBOSE=1` (or `true`, `yes`): start-up logs on stderr.
    public static var verbose: Bool {
        ["1", "true", "yes"].contains((ProcessInfo.processInfo.environment["USV_VERBOSE"] ?? "").lowercased())
    }

    /// Runs the decision for this process: returns when it goes on, re-executes it (and does not return), or
    /// prints the refusal and exits with status 2. `tool` prefixes the messages.
    public static func run(tool: String) {
        let environment = ProcessInfo.processInfo.environment
        let cpu = CPUDescription.current
        let log = { (message: String) in FileHandle.standardError.write(Data("\(tool): \(message)\n".utf8)) }
        switch action(coreName: BLASRuntime.coreName, dynamicArch: BLASRuntime.dynamicArch, cpu: cpu, environment: environment) {
        case .refuse(let message):
            log(message)
            exit(2)
        case .reexecute(let family, let replacing):
            if verbose {
                log("BLAS: OpenBLAS \(BLASRuntime.version) picked its generic \(replacing) kernels for this CPU (\(cpu.model)); "
                    + "re-executing with OPENBLAS_CORETYPE=\(family), which it runs (\(featureLine(cpu)))")
            }
            setenv("OPENBLAS_CORETYPE", family, 1)
            setenv(markerVariable, "\(family):\(replacing)", 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // Only reached when execv failed: carry on with OpenBLAS's kernels, slower but correct.
            let reason = String(cString: strerror(errno))
            unsetenv("OPENBLAS_CORETYPE")
            unsetenv(markerVariable)
            log("could not re-execute with OPENBLAS_CORETYPE=\(family) (\(reason)); going on with OpenBLAS's \(replacing) kernels")
        case .proceed:
            break
        }
        if verbose {
            log("BLAS: OpenBLAS \(BLASRuntime.version), kernels \(BLASKernelStatus.current.summary), \(BLASRuntime.threads) threads, "
                + "\(BLASRuntime.libraryPath ?? "library path unknown"); CPU \(cpu.model) (\(cpu.vendor), family \(cpu.family), "
                + "model \(cpu.modelNumber)): \(featureLine(cpu)); vector kernels \(LinearAlgebra.hasVectorKernels ? "AVX2+FMA" : "off")")
        }
    }

    static func featureLine(_ cpu: CPUDescription) -> String {
        let present = CPUDescription.checkedFeatures.filter(cpu.features.contains)
        return present.isEmpty ? "no features beyond SSE2 known" : present.joined(separator: " ")
    }
}
