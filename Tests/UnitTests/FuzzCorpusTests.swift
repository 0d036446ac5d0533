import Foundation
import Testing

@testable import Host

/// Every input in `Fuzz/corpus/<target>/` (seeds, and each crash `scripts/fuzz.sh` found once it is
/// fixed) through the fuzzers' own entry points: a regression crashes this test. The seeds are
/// also checked to still parse, so the corpus keeps exercising the parsers' real paths.
@Suite struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    static func inputs(_ target: FuzzEntryPoints.Target) throws -> [(String, [UInt8])] {
        let directory = root.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map { name in
            (name, Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    @Test(arguments: FuzzEntryPoints.Target.allCases)
    func everyCorpusInputIsHandled(target: FuzzEntryPoints.Target) throws {
        let inputs = try Self.inputs(target)
        #expect(inputs.count >= 3, "Fuzz/corpus/\(target.rawValue) holds the seeds")
        for (_, bytes) in inputs {
            FuzzEntryPoints.run(target, bytes)
            // Truncations and single-bit flips of each input too (what a fuzzer tries first).
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 16)) {
                FuzzEntryPoints.run(target, Array(bytes.prefix(length)))
            }
            for index in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 32)) {
                var flipped = bytes
                flipped[index] ^= 0x80
                FuzzEntryPoints.run(target, flipped)
            }
        }
    }

    @Test func theSeedsStillParse() throws {
        for (name, bytes) in try Self.inputs(.ocspRequest) {
            #expect(OCSPRequestScanner.scan(bytes) != nil || (try? OCSPRequest(derBytes: bytes)) != nil, "\(name)")
        }
        for (name, bytes) in try Self.inputs(.http1Frame) {
            let scan = bytes.withUnsafeBytes { HTTP1RequestFrame.next($0, searched: 0) }
            if case .incomplete = scan { Issue.record("\(name): not a complete head") }
        }
        for (name, bytes) in try Self.inputs(.acmeJWS) {
            #expect((try? ACMERequest(body: bytes, nonceRequired: true)) != nil, "\(name)")
        }
    }
}
