import Testing
import USVCore

/// Plugin parameters are checked against their declared types before any work, and normalised.
@Suite struct ParameterCheckingTests {
    let descriptor = PluginDescriptor(
        id: "feature.example", version: "1.0.0", kind: .feature, summary: "parameters of every kind", capabilities: [],
        parameters: [
            PluginParameter("sparse", type: "bool", default: "true", "a switch"),
            PluginParameter("window", type: "int", default: "500", "samples"),
            PluginParameter("gap", type: "ms", default: "15", "a duration in ms"),
            PluginParameter("stretch", type: "s", default: "10", "a duration in s"),
            PluginParameter("low", type: "Hz", default: "25000", "a frequency"),
            PluginParameter("level", type: "dB", default: "12", "a level"),
            PluginParameter("threshold", type: "auto|number", default: "auto", "automatic or a number"),
            PluginParameter("measure", type: "slope|jump", default: "slope", "one of two words"),
            PluginParameter("kernels", type: "list", default: "3,3", "numbers"),
            PluginParameter("filters", type: "int|preset", default: "preset", "a number or the preset's"),
        ])

    func value(_ name: String, _ text: String) throws -> String? {
        try ParameterValues(defaultsOf: descriptor, overrides: [name: text])[name]
    }

    @Test(arguments: [("yes", "true"), ("On", "true"), ("1", "true"), ("TRUE", "true"), ("no", "false"), ("off", "false"),
                      ("0", "false"), ("False", "false")])
    func booleansAreStrictAndNormalised(text: String, expected: String) throws {
        #expect(try value("sparse", text) == expected)
        #expect(try ParameterValues(defaultsOf: descriptor, overrides: ["sparse": text]).bool("sparse") == (expected == "true"))
    }

    @Test(arguments: [("sparse", "maybe"), ("sparse", ""), ("sparse", "2"), ("window", "5.5"), ("window", "many"),
                      ("gap", "nan"), ("gap", "inf"), ("gap", "5 parsecs"), ("low", "25 MHz?"), ("level", "loud"),
                      ("threshold", "high"), ("measure", "curve"), ("kernels", "3,x"), ("kernels", ""), ("filters", "lots")])
    func valuesOfTheWrongTypeAreRefusedNamingTheParameter(name: String, text: String) {
        #expect {
            try value(name, text)
        } throws: { error in
            "\(error)".contains("'\(name)'") && "\(error)".contains("feature.example")
        }
    }

    @Test func durationsAndFrequenciesTakeUnits() throws {
        #expect(try value("gap", "0.05s") == "50.0")
        #expect(try value("gap", "20ms") == "20.0")
        #expect(try value("gap", "7.5") == "7.5")
        #expect(try value("stretch", "1500ms") == "1.5")
        #expect(try value("stretch", "2s") == "2.0")
        #expect(try value("low", "25kHz") == "25000.0")
        #expect(try value("low", "30000Hz") == "30000.0")
    }

    @Test func alternativesTakeTheirWordsOrAValueOfTheirType() throws {
        #expect(try value("threshold", "auto") == "auto")
        #expect(try value("threshold", "0.3") == "0.3")
        #expect(try value("measure", "jump") == "jump")
        #expect(try value("filters", "preset") == "preset")
        #expect(try value("filters", "16") == "16")
    }

    @Test func anUnknownNameSuggestsTheClosestKnownOne() {
        #expect {
            try value("windw", "5")
        } throws: { error in
            "\(error)".contains("did you mean 'window'")
        }
        #expect(closestName(to: "enter-snrr", among: ["enter-snr", "exit-contrast"]) == "enter-snr")
        #expect(closestName(to: "completely-different", among: ["enter-snr", "exit-contrast"]) == nil)
    }

    /// The built-in plugins' own defaults pass their declared types (a descriptor can't ship a broken default).
    @Test func everyDefaultPassesItsOwnType() throws {
        for parameter in descriptor.parameters {
            #expect(throws: Never.self) { try parameter.checked(parameter.defaultValue) }
        }
    }
}
