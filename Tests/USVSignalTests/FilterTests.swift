import Testing
@testable import USVSignal

@Suite struct FilterTests {
    @Test func medianFilterMatchesMATLABZeroPadding() {
        // medfilt1([1 5 2 8 3 9 4], 3) in MATLAB = [1 2 5 3 8 4 4]
        #expect(medianFilter([1, 5, 2, 8, 3, 9, 4], window: 3) == [1, 2, 5, 3, 8, 4, 4])
        // Even window 4 uses x(k-2 .. k+1): k=1 → [0 0 1 5] → 0.5
        #expect(medianFilter([1, 5, 2, 8], window: 4) == [0.5, 1.5, 3.5, 3.5])
    }

    @Test func median5IsTheMedian() {
        var state: UInt64 = 7
        for _ in 0..<2_000 {
            let values = (0..<5).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40 % 17)
            }
            #expect(median5(values[0], values[1], values[2], values[3], values[4]) == values.sorted()[2])
        }
    }

    @Test func percentileInterpolatesLikeMATLAB() {
        // prctile([1 2 3 4], 75) = 3.5 ; prctile([1 2 3 4 5], 50) = 3
        #expect(percentile([4, 1, 3, 2], 75) == 3.5)
        #expect(percentile([5, 4, 3, 2, 1], 50) == 3)
        #expect(percentile([7], 90) == 7)
    }

    /// The ground truth of the synthetic twin and the property estimates count peaks with this one function.
    @Test func prominentMaximaAreCounted() {
        #expect(countProminentMaxima([0, 1, 2, 3, 4], prominence: 0.5, cap: 3) == 0)
        #expect(countProminentMaxima([0, 2, 0], prominence: 0.5, cap: 3) == 1)
        #expect(countProminentMaxima([0, 0.2, 0.1, 3, 0], prominence: 0.5, cap: 3) == 1)
        #expect(countProminentMaxima([0, 2, 0, 2, 0, 2, 0, 2, 0], prominence: 0.5, cap: 3) == 3)
        #expect(countProminentMaxima([5, 1, 5], prominence: 0.5, cap: 3) == 0)
    }
}
