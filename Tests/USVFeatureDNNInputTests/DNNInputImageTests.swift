import Foundation
import Testing
import USVCore
import USVFeatureDNNInput
import USVTestSupport

@Suite struct DNNInputImageTests {
    func image(_ input: USVFeatureInput, seed: String = "none") throws -> [Float] {
        let parameters = try ParameterValues(defaultsOf: DNNInputImage.descriptor, overrides: ["augment-seed": seed])
        return try #require(try DNNInputImage().compute(input, parameters: parameters).vectors["image"])
    }

    @Test func shapeMeanAndPlacement() throws {
        let input = try TestCall(duration: 0.05) { _ in 80_000 }.featureInput()
        #expect(checkUSVFeaturePlugin(DNNInputImage(), input: input) == [])
        let pixels = try image(input)
        #expect(pixels.count == 10_000)
        #expect(abs(pixels.reduce(0, +) / 10_000) < 1e-5)
        // 80 kHz is row 116 of 233 → image row ≈ 116 × 100 / 233 ≈ 49.6; the call fills the first 60 of 300
        // frames → image columns 0…19.
        let brightest = try #require(pixels.indices.max { pixels[$0] < pixels[$1] })
        #expect(abs(brightest / 100 - 50) <= 1, "row \(brightest / 100)")
        #expect(brightest % 100 < 20)
        #expect(pixels[50 * 100 + 60] < pixels[brightest] / 10)
    }

    @Test func augmentationIsSeeded() throws {
        let input = try TestCall(duration: 0.05) { 60_000 + 10_000 * $0 }.featureInput()
        let a = try image(input, seed: "7"), b = try image(input, seed: "7"), c = try image(input, seed: "8")
        #expect(a == b)
        #expect(a != c)
        #expect(a != (try image(input)))
        #expect(throws: USVError.self) { try image(input, seed: "seven") }
    }
}
