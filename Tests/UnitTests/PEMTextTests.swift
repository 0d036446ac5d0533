import Foundation
import SwiftASN1
import Testing
import X509

@testable import Host

@Suite struct PEMTextTests {
    /// Byte lengths around the 48-byte (one 64-column line) boundary, and a one-byte document.
    @Test(arguments: [1, 2, 3, 47, 48, 49, 95, 96, 97, 500, 1000])
    func encodingMatchesSwiftASN1(length: Int) {
        let der = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let expected = PEMDocument(type: "CERTIFICATE", derBytes: der).pemString
        #expect(PEMText.encode(der, label: "CERTIFICATE") == expected)
    }

    @Test func certificateTextEndsInOneNewline() async throws {
        let (root, _) = try await TestPKI.root()
        #expect(try root.pemText == root.serializeAsPEM().pemString + "\n")
    }

    @Test func lenientDecodingAcceptsWhatToolsWrite() throws {
        let der = Array(repeating: UInt8(0xAB), count: 300)
        let base64 = Data(der).base64EncodedString()
        let wrapped = stride(from: 0, to: base64.count, by: 76).map {
            let start = base64.index(base64.startIndex, offsetBy: $0)
            return String(base64[start..<(base64.index(start, offsetBy: 76, limitedBy: base64.endIndex) ?? base64.endIndex)])
        }.joined(separator: "\r\n")
        let text = "junk before\n  -----BEGIN NEW CERTIFICATE REQUEST-----\r\n\t\(wrapped) \r\n-----END NEW CERTIFICATE REQUEST-----\n"
        let document = try #require(LenientPEM(text))
        #expect(document.label == "NEW CERTIFICATE REQUEST")
        #expect(document.der == der)
        let strict = PEMText.encode(der, label: "CERTIFICATE REQUEST")
        #expect(LenientPEM(strict)?.der == der)
    }

    @Test(arguments: [
        "",
        "-----BEGIN CERTIFICATE-----\nAAAA\n",  // no footer
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE REQUEST-----",  // footer of another label
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",  // empty body
        "-----BEGIN CERTIFICATE-----\nA*AA\n-----END CERTIFICATE-----",  // not base64
        "-----BEGIN CERTIFICATE-----\nAAAA\u{2003}\n-----END CERTIFICATE-----",  // a non-ASCII space
        "-----BEGIN CERTIFICATE",
    ])
    func lenientDecodingRefuses(text: String) {
        #expect(LenientPEM(text) == nil)
    }
}
