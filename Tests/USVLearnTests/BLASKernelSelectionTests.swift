import Foundation
import Testing
@testable import USVLearn

/// The choice of OpenBLAS's kernel family, as a pure function of what OpenBLAS reports, the CPU and the environment.
@Suite struct BLASKernelSelectionTests {
    static let sse4: Set<String> = ["sse3", "ssse3", "sse4_1", "sse4_2", "popcnt"]
    static let avx2: Set<String> = sse4.union(["avx", "f16c", "fma", "bmi1", "bmi2", "avx2"])
    static let avx512: Set<String> = avx2.union(["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"])
    static let none: [String: String] = [:]

    /// The issue's machine: an Intel Xeon with AVX-512 and BF16 (family 6, model 207) that Debian's OpenBLAS 0.3.21
    /// does not know, so it picks Prescott. usv picks Cooperlake; without BF16, SkylakeX.
    @Test func intelAVX512ThatOpenBLASDoesNotKnowGetsCooperlakeOrSkylakeX() {
        let features = Self.avx512.union(["avx512_bf16", "avx512_vnni", "avx512_fp16"])
        #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "GenuineIntel", features: features, environment: Self.none) == "Cooperlake")
        #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "GenuineIntel", features: Self.avx512, environment: Self.none) == "SkylakeX")
        // Other generic fallbacks are replaced too; the names are OpenBLAS's, compared without case.
        #expect(BLASKernelSelection.choose(coreName: "Sandybridge", vendor: "GenuineIntel", features: features, environment: Self.none) == "Cooperlake")
        #expect(BLASKernelSelection.choose(coreName: "NEHALEM", vendor: "GenuineIntel", features: Self.avx512, environment: Self.none) == "SkylakeX")
        // OpenBLAS recognised the CPU: its choice stands, even a lesser one (it may avoid AVX-512 on purpose).
        #expect(BLASKernelSelection.choose(coreName: "Haswell", vendor: "GenuineIntel", features: features, environment: Self.none) == nil)
        #expect(BLASKernelSelection.choose(coreName: "Cooperlake", vendor: "GenuineIntel", features: features, environment: Self.none) == nil)
        // An OpenBLAS that cannot switch kernels at run time would ignore the variable: nothing to do.
        #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "GenuineIntel", features: features, environment: Self.none,
                                           dynamicArch: false) == nil)
    }

    @Test func intelAVX2GetsHaswell() {
        #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "GenuineIntel", features: Self.avx2, environment: Self.none) == "Haswell")
        #expect(BLASKernelSelection.choose(coreName: "Sandybridge", vendor: "GenuineIntel", features: Self.avx2, environment: Self.none) == "Haswell")
        // AVX-512 registers the OS does not save are not counted (CPUDescription leaves the features out): Haswell.
        #expect(BLASKernelSelection.bestFamily(vendor: "GenuineIntel", features: Self.avx2) == "Haswell")
    }

    @Test func amdZenGetsZen() {
        // Barcelona is OpenBLAS's fallback for an AMD family it does not know.
        #expect(BLASKernelSelection.choose(coreName: "Barcelona", vendor: "AuthenticAMD", features: Self.avx2, environment: Self.none) == "Zen")
        #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "HygonGenuine", features: Self.avx2, environment: Self.none) == "Zen")
        #expect(BLASKernelSelection.choose(coreName: "Zen", vendor: "AuthenticAMD", features: Self.avx2, environment: Self.none) == nil)
        // A Zen 4 has AVX-512 with BF16: OpenBLAS 0.3.21 picks Cooperlake for it by itself, and so would usv.
        let zen4 = Self.avx512.union(["avx512_bf16", "sse4a"])
        #expect(BLASKernelSelection.bestFamily(vendor: "AuthenticAMD", features: zen4) == "Cooperlake")
        #expect(BLASKernelSelection.choose(coreName: "Barcelona", vendor: "AuthenticAMD", features: zen4, environment: Self.none) == "Cooperlake")
    }

    @Test func theUsersVariableAlwaysWins() {
        for value in ["Prescott", "Haswell", "SkylakeX", "NoSuchCore"] {
            #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "GenuineIntel", features: Self.avx512,
                                               environment: ["OPENBLAS_CORETYPE": value]) == nil)
        }
        // An empty variable is as good as unset (OpenBLAS's getenv sees "", which it does not know).
        #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "GenuineIntel", features: Self.avx512,
                                           environment: ["OPENBLAS_CORETYPE": ""]) == "SkylakeX")
    }

    @Test func aGenericCPUKeepsGenericKernels() {
        #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "GenuineIntel", features: ["sse3"], environment: Self.none) == nil)
        #expect(BLASKernelSelection.choose(coreName: "Nehalem", vendor: "GenuineIntel", features: Self.sse4, environment: Self.none) == nil)
        // AVX only: Sandybridge is the best there is, so a Sandybridge report stays and a Prescott one becomes it.
        let avx = Self.sse4.union(["avx"])
        #expect(BLASKernelSelection.choose(coreName: "Sandybridge", vendor: "GenuineIntel", features: avx, environment: Self.none) == nil)
        #expect(BLASKernelSelection.choose(coreName: "Prescott", vendor: "GenuineIntel", features: avx, environment: Self.none) == "Sandybridge")
        // Not x86 (no CPUID features; OpenBLAS names ARM or POWER cores): nothing to choose.
        #expect(BLASKernelSelection.choose(coreName: "neoversen1", vendor: "", features: [], environment: Self.none) == nil)
    }

    @Test func familiesThisCPUCannotRunAreRefusedWithTheMissingFeatures() {
        let zen3 = Self.avx2.union(["sse4a"])
        #expect(BLASKernelFamily.missingFeatures("SkylakeX", in: zen3) == ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"])
        #expect(BLASKernelFamily.missingFeatures("cooperlake", in: Self.avx512) == ["avx512_bf16"])
        #expect(BLASKernelFamily.missingFeatures("Bulldozer", in: Self.avx512) == ["fma4"])
        #expect(BLASKernelFamily.missingFeatures("Opteron", in: Self.avx512) == ["3dnow"])
        #expect(BLASKernelFamily.missingFeatures("Haswell", in: zen3) == [])
        #expect(BLASKernelFamily.missingFeatures("SapphireRapids", in: zen3) == nil)
        #expect(BLASKernelFamily.runnable(with: zen3) == ["Zen", "Haswell", "Sandybridge", "Nehalem", "Dunnington", "Penryn", "Core2",
                                                          "Atom", "Nano", "Bobcat", "Barcelona", "Prescott"])

        let cpu = CPUDescription(vendor: "AuthenticAMD", model: "AMD EPYC 7B13", family: 25, modelNumber: 1, features: zen3)
        guard case .refuse(let message) = BLASKernelStartup.action(coreName: "SkylakeX", dynamicArch: true, cpu: cpu,
                                                                   environment: ["OPENBLAS_CORETYPE": "SkylakeX"]) else {
            Issue.record("SkylakeX on an AVX2-only CPU was not refused")
            return
        }
        #expect(message.contains("avx512f, avx512bw, avx512dq, avx512vl, avx512cd") && message.contains("AMD EPYC 7B13")
                && message.contains("Zen, Haswell"), "\(message)")
        // What it runs, and names this table does not know (OpenBLAS says "Core not found" and detects), go on.
        #expect(BLASKernelStartup.action(coreName: "Haswell", dynamicArch: true, cpu: cpu, environment: ["OPENBLAS_CORETYPE": "haswell"]) == .proceed)
        #expect(BLASKernelStartup.action(coreName: "Zen", dynamicArch: true, cpu: cpu, environment: ["OPENBLAS_CORETYPE": "Typo"]) == .proceed)
    }

    /// One re-execution at most: the first run re-executes, the second (variable and marker set) goes on, and the
    /// status says usv chose and what OpenBLAS had picked.
    @Test func reexecutesOnceAndKnowsTheChoiceWasUsvs() {
        let cpu = CPUDescription(vendor: "GenuineIntel", model: "Intel(R) Xeon(R)", family: 6, modelNumber: 207,
                                 features: Self.avx512.union(["avx512_bf16"]))
        #expect(BLASKernelStartup.action(coreName: "Prescott", dynamicArch: true, cpu: cpu, environment: [:])
                == .reexecute(family: "Cooperlake", replacing: "Prescott"))
        let after = ["OPENBLAS_CORETYPE": "Cooperlake", BLASKernelStartup.markerVariable: "Cooperlake:Prescott"]
        #expect(BLASKernelStartup.action(coreName: "Cooperlake", dynamicArch: true, cpu: cpu, environment: after) == .proceed)
        #expect(BLASKernelStatus.describe(coreType: "Cooperlake", environment: after)
                == BLASKernelStatus(coreType: "Cooperlake", source: .usv, requested: "Cooperlake", openBLASChoice: "Prescott"))
        // The test hook pretends OpenBLAS reported a family.
        #expect(BLASKernelStartup.action(coreName: "Cooperlake", dynamicArch: true, cpu: cpu,
                                         environment: [BLASKernelStartup.testReportedCoreVariable: "Nehalem"])
                == .reexecute(family: "Cooperlake", replacing: "Nehalem"))
        // The user's own value (no marker, or a stale one) is the user's.
        #expect(BLASKernelStatus.describe(coreType: "Haswell", environment: ["OPENBLAS_CORETYPE": "Haswell"]).source == .user)
        #expect(BLASKernelStatus.describe(coreType: "Haswell", environment: ["OPENBLAS_CORETYPE": "Haswell",
                                                                            BLASKernelStartup.markerVariable: "Cooperlake:Prescott"]).source == .user)
        // OpenBLAS maps the 32-bit families to Prescott; a name it did not take leaves the choice to OpenBLAS.
        #expect(BLASKernelStatus.describe(coreType: "Prescott", environment: ["OPENBLAS_CORETYPE": "Katmai"]).source == .user)
        #expect(BLASKernelStatus.describe(coreType: "Cooperlake", environment: ["OPENBLAS_CORETYPE": "Typo"])
                == BLASKernelStatus(coreType: "Cooperlake", source: .openblas, requested: "Typo", openBLASChoice: "Cooperlake"))
        #expect(BLASKernelStatus.describe(coreType: "Zen", environment: [:]) == BLASKernelStatus(coreType: "Zen", source: .openblas,
                                                                                                   requested: nil, openBLASChoice: "Zen"))
    }

    /// CPUID on this machine agrees with the compiler's own CPU check that guards the vector kernels.
    @Test func thisCPUIsReadConsistently() {
        let cpu = CPUDescription.current
        #if arch(x86_64)
        #expect(!cpu.vendor.isEmpty && cpu.features.contains("sse3"))
        #expect(vectorKernelsAvailable == (cpu.features.contains("avx2") && cpu.features.contains("fma")))
        // The family OpenBLAS runs (unless forced) is one this CPU runs.
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            #expect(BLASKernelFamily.missingFeatures(BLASRuntime.coreName, in: cpu.features) == [])
        }
        #endif
        #expect(BLASRuntime.version != "unknown" && BLASRuntime.libraryPath?.contains("openblas") == true)
    }
}
