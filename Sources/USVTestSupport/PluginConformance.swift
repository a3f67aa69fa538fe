import Foundation
import USVCore

/// Conformance problems found by the checkers below; empty means the plugin conforms.
public typealias ConformanceProblems = [String]

/// Checks every plugin must pass: a well-formed descriptor.
public func checkPluginDescriptor(_ plugin: any Plugin) -> ConformanceProblems {
    let descriptor = plugin.descriptor
    var problems: ConformanceProblems = []
    if !descriptor.id.hasPrefix(descriptor.kind.rawValue + ".") { problems.append("id \(descriptor.id) does not start with its kind") }
    if descriptor.version.split(separator: ".").compactMap({ Int($0) }).count != 3 { problems.append("version \(descriptor.version) is not x.y.z") }
    if descriptor.summary.isEmpty { problems.append("empty summary") }
    if descriptor.capabilities.isEmpty { problems.append("no capabilities declared") }
    if Set(descriptor.parameters.map(\.name)).count != descriptor.parameters.count { problems.append("duplicate parameter names") }
    if (try? ParameterValues(defaultsOf: descriptor)) == nil { problems.append("defaults do not form valid parameter values") }
    return problems
}

/// Checks a format plugin: descriptor, capability flags matching the protocols it adopts, extension sniffing
/// and refusing junk bytes by content.
public func checkFormatPlugin(_ format: any FormatPlugin) -> ConformanceProblems {
    var problems = checkPluginDescriptor(format)
    let capabilities = Set(format.descriptor.capabilities)
    if format is any AudioReadingFormat && !capabilities.contains("read") { problems.append("reads audio but does not declare 'read'") }
    if format is any AudioWritingFormat && !capabilities.contains("write") { problems.append("writes audio but does not declare 'write'") }
    let reads = format is any TableReading || format is any AnnotationReading || format is any ArrayReading
    let writes = format is any TableWriting || format is any AnnotationWriting || format is any ArrayWriting
    if reads && !capabilities.contains("read") { problems.append("reads tables, annotations or arrays but does not declare 'read'") }
    if writes && !capabilities.contains("write") { problems.append("writes tables, annotations or arrays but does not declare 'write'") }
    let extensions = type(of: format).fileExtensions
    if extensions.isEmpty { problems.append("no file extensions") }
    for ext in extensions where format.sniff(head: [], fileName: "x.\(ext)") == .no {
        problems.append("does not recognise its own extension .\(ext)")
    }
    if format.sniff(head: Array(repeating: 0x5A, count: 64), fileName: "junk.unknown-extension") != .no {
        problems.append("claims 64 bytes of junk with an unknown extension")
    }
    return problems
}

/// Checks an audio format end to end: write a 300 kHz signal with every encoding, read it back, compare.
public func checkAudioRoundTrip(_ format: any AudioReadingFormat & AudioWritingFormat, in directory: TemporaryDirectory,
                                extension ext: String) -> ConformanceProblems {
    var problems: ConformanceProblems = []
    let samples = (0..<30_000).map { Float(0.5 * sin(Double($0) * 2 * Double.pi * 50_000 / 300_000)) }
    let signal = AudioSignal(samples: samples, sampleRate: 300_000)
    for encoding in type(of: format).encodings {
        let path = directory.file("roundtrip-\(encoding).\(ext)")
        do {
            try format.writeAudio(signal, to: path, encoding: encoding)
        } catch let error as USVError {
            if case .unsupported = error { continue }
            problems.append("\(encoding): write failed: \(error)")
            continue
        } catch {
            problems.append("\(encoding): write failed: \(error)")
            continue
        }
        do {
            let info = try format.audioInfo(of: .file(path))
            if info.sampleRate != 300_000 || info.frames != samples.count || info.channels != 1 {
                problems.append("\(encoding): header says \(info)")
            }
            guard let sniffed = try? readWholeFile(path, limit: 1 << 26).prefix(64),
                  format.sniff(head: Array(sniffed), fileName: "noextension") == .byContent else {
                problems.append("\(encoding): does not recognise its own output by content")
                continue
            }
            let back = try format.readAudio(from: .file(path), frames: nil)
            let tolerance: Float = encoding == "float" ? 0 : (encoding == "pcm24" ? 1.0 / 8_000_000 : 1.0 / 30_000)
            let worst = zip(back.samples, samples).map { abs($0 - $1) }.max() ?? .infinity
            if back.samples.count != samples.count || worst > tolerance {
                problems.append("\(encoding): read back differs by \(worst) (tolerance \(tolerance))")
            }
            let clip = try format.readAudio(from: .file(path), frames: 1000..<1500)
            if clip.samples != Array(back.samples[1000..<1500]) { problems.append("\(encoding): clipped read differs") }
        } catch {
            problems.append("\(encoding): read failed: \(error)")
        }
    }
    return problems
}
