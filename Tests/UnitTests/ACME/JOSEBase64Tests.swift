import Foundation
import Testing

@testable import Host

/// base64url without padding, against Foundation's standard base64 as the reference.
@Suite struct JOSEBase64Tests {
    @Test func roundTripsEveryLengthAgainstFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let reference = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(JOSEBase64.encode(bytes) == reference)
            #expect(JOSEBase64.decode(reference) == bytes, "length \(length)")
        }
        // All 64 alphabet characters, both ends of the value range.
        #expect(JOSEBase64.decode("-_-_") == [0xFB, 0xFF, 0xBF])
        #expect(JOSEBase64.decode("AAAA") == [0, 0, 0])
    }

    @Test(arguments: ["AAA=", "AA+A", "AA/A", "A", "AAAAA", "AA AA", "AA\nA", "é123"])
    func refusesWhatIsNotUnpaddedBase64URL(text: String) {
        #expect(JOSEBase64.decode(text) == nil)
    }
}
