import Foundation

/// PEM decoding that accepts what real tools emit: any base64 line length, CRLF line ends,
/// surrounding whitespace. (swift-asn1's `PEMDocument` insists on 64-column lines.)
struct LenientPEM {
    var label: String
    var der: [UInt8]

    /// The first PEM block in `text`, or `nil` when there is none or its base64 is invalid.
    init?(_ text: String) {
        guard let begin = text.range(of: "-----BEGIN "), let beginEnd = text.range(of: "-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        let label = String(text[begin.upperBound..<beginEnd.lowerBound])
        guard let end = text.range(of: "-----END \(label)-----", range: beginEnd.upperBound..<text.endIndex) else { return nil }
        let body = text[beginEnd.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        guard !body.isEmpty, let data = Data(base64Encoded: String(body)) else { return nil }
        self.label = label
        self.der = Array(data)
    }
}
