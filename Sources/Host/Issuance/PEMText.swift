import Foundation
import SwiftASN1
import X509

/// PEM encoding straight from DER bytes: the same text as swift-asn1's `PEMDocument.pemString`
/// (64-column base64 lines, LF line ends, no trailing newline) without its per-character `String`
/// indexing, which cost more per issuance than the certificate's signature.
enum PEMText {
    /// `-----BEGIN label-----`, the base64 of `der` in 64-column lines, `-----END label-----`.
    static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----"
    }
}

extension Certificate {
    /// This certificate as PEM text ending in a newline, as it is stored and returned.
    var pemText: String {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(self)
            return PEMText.encode(serializer.serializedBytes, label: "CERTIFICATE") + "\n"
        }
    }
}
