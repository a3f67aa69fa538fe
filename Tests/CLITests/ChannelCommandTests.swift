import Foundation
import Testing
import USVCore
import USVSignal
import USVTestSupport

/// Multichannel recordings: nothing is analysed from "channel 1" silently. Without `--channel` the commands that
/// analyse one signal refuse the file and name its channels; `convert` keeps every channel.
@Suite struct ChannelCommandTests {
    /// 0.6 s at 250 kHz, two channels: noise on both, two whistles on channel 2 only.
    func stereoRecording(_ directory: TemporaryDirectory) throws -> String {
        let rate = 250_000
        var random = SplitMix64(seed: 5)
        let left = (0..<150_000).map { _ in Float(0.003 * random.normal()) }
        var right = (0..<150_000).map { _ in Float(0.003 * random.normal()) }
        for (start, length, from, to) in [(25_000, 12_500, 60_000.0, 70_000.0), (100_000, 20_000, 80_000.0, 60_000.0)] {
            var phase = 0.0
            for index in 0..<length {
                let fraction = Double(index) / Double(length)
                phase += 2 * .pi * (from + (to - from) * fraction) / Double(rate)
                right[start + index] += Float(0.05 * min(1, Double(min(index, length - index)) / 250) * sin(phase))
            }
        }
        var interleaved = [Float](repeating: 0, count: 2 * left.count)
        for frame in left.indices {
            interleaved[2 * frame] = left[frame]
            interleaved[2 * frame + 1] = right[frame]
        }
        let path = directory.file("stereo.wav")
        let writer = try AudioFileWriter(path: path, sampleRate: rate, channels: 2)
        try writer.write(interleaved)
        try writer.close()
        return path
    }

    @Test func readerDeliversTheChosenChannelAndRefusesToGuess() throws {
        let directory = try TemporaryDirectory("channels-reader")
        defer { directory.remove() }
        let path = try stereoRecording(directory)
        let reader = try AudioFileReader(path: path)
        #expect(reader.info.channels == 2)
        #expect { try reader.readSignal(frames: 0..<10) } throws: { "\($0)".contains("2 channels") && "\($0)".contains("--channel") }
        reader.channel = .all
        let all = try reader.readSignal(frames: 0..<100)
        #expect(all.channels == 2 && all.samples.count == 200 && all.frames == 100)
        reader.channel = .index(1)
        let second = try reader.readSignal(frames: 0..<100)
        #expect(second.samples == (0..<100).map { all.samples[2 * $0 + 1] })
        reader.channel = .mix
        let mix = try reader.readSignal(frames: 0..<100)
        for frame in 0..<100 { #expect(abs(mix.samples[frame] - (all.samples[2 * frame] + all.samples[2 * frame + 1]) / 2) < 1e-6) }
        reader.channel = .index(2)
        #expect(throws: USVError.self) { try reader.readSignal(frames: 0..<10) }
    }

    @Test func detectNeedsAChannelForAStereoFileAndFindsTheCallsOnTheOneChosen() throws {
        let directory = try TemporaryDirectory("channels-detect")
        defer { directory.remove() }
        let path = try stereoRecording(directory)
        let unchosen = try USVExecutable.run(["detect", path])
        #expect(unchosen.status == 2)
        #expect(unchosen.stderr.contains("2 channels") && unchosen.stderr.contains("--channel"), "\(unchosen.stderr)")
        let second = try USVExecutable.run(["detect", path, "--channel", "2", "--csv"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdoutText.split(separator: "\n").count == 3, "\(second.stdoutText)")
        let first = try USVExecutable.run(["detect", path, "--channel", "1", "--csv"])
        #expect(first.stdoutText.split(separator: "\n").count == 1, "channel 1 holds only noise: \(first.stdoutText)")
        let mixed = try USVExecutable.run(["detect", path, "--channel", "mix", "--csv"])
        #expect(mixed.stdoutText.split(separator: "\n").count == 3)
        #expect(try USVExecutable.run(["detect", path, "--channel", "3"]).status == 2)
        #expect(try USVExecutable.run(["detect", path, "--channel", "0"]).status == 2)
        #expect(try USVExecutable.run(["detect", path, "--channel", "left"]).status == 2)
        let picture = try USVExecutable.run(["spectrogram", path, "--channel", "2", "--start", "0.09", "--stop", "0.2",
                                             "--out", directory.file("call.png")])
        #expect(picture.status == 0, "\(picture.stderr)")
        #expect(try USVExecutable.run(["spectrogram", path, "--out", directory.file("no.png")]).status == 2)
    }

    @Test func convertKeepsEveryChannelOrTheOneChosen() throws {
        let directory = try TemporaryDirectory("channels-convert")
        defer { directory.remove() }
        let path = try stereoRecording(directory)
        let whole = try USVExecutable.run(["convert", path, directory.file("both.flac")])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdoutText.contains("2 channels"))
        let both = try AudioFileReader(path: directory.file("both.flac"))
        #expect(both.info.channels == 2 && both.info.frames == 150_000)
        both.channel = .index(1)
        let original = try AudioFileReader(path: path)
        original.channel = .index(1)
        let converted = try both.readSignal(frames: 25_000..<25_100).samples, source = try original.readSignal(frames: 25_000..<25_100).samples
        #expect(converted.count == source.count)
        for (a, b) in zip(converted, source) { #expect(abs(a - b) < 1e-4) }
        let one = try USVExecutable.run(["convert", path, directory.file("right.wav"), "--channel", "2"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try AudioFileReader(path: directory.file("right.wav")).info.channels == 1)
    }

    /// Numbers that `Double` options accept but no stretch can have are refused before any work.
    @Test(arguments: [["--start", "nan"], ["--start", "1e300"], ["--stop", "inf"], ["--start", "-1"]])
    func absurdStretchesAreUsageErrors(arguments: [String]) throws {
        let directory = try TemporaryDirectory("channels-stretch")
        defer { directory.remove() }
        let path = try stereoRecording(directory)
        let spectrogram = try USVExecutable.run(["spectrogram", path, "--channel", "1", "--out", directory.file("x.png")] + arguments)
        #expect(spectrogram.status == 2, "\(spectrogram.stderr)")
        let convert = try USVExecutable.run(["convert", path, directory.file("x.wav")] + arguments)
        #expect(convert.status == 2, "\(convert.stderr)")
    }
}
