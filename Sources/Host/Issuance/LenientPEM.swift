import Foundation

/// PEM decoding that accepts what real tools emit: any base64 line length, CRLF line ends,
/// surrounding whitespace. (swift-asn1's `PEMDocument` insists on 64-column lines.)
///
/// Works on the UTF-8 bytes: a CSR arrives with every issuance, and character-by-character
/// `String` scanning cost more than the signature check.
struct LenientPEM {
    var label: String
    var der: [UInt8]

    /// The first PEM block in `text`, or `nil` when there is none or its base64 is invalid.
    init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        (label, der) = parsed
    }

    private static let begin = Array("-----BEGIN ".utf8)
    private static let end = Array("-----END ".utf8)
    private static let dashes = Array("-----".utf8)

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, [UInt8])? {
        guard let beginAt = find(begin, in: bytes, from: 0) else { return nil }
        let labelStart = beginAt + begin.count
        guard let labelEnd = find(dashes, in: bytes, from: labelStart) else { return nil }
        let label = Array(bytes[labelStart..<labelEnd])
        let bodyStart = labelEnd + dashes.count
        let footer = end + label + dashes
        guard let bodyEnd = find(footer, in: bytes, from: bodyStart) else { return nil }
        var body = [UInt8]()
        body.reserveCapacity(bodyEnd - bodyStart)
        for byte in bytes[bodyStart..<bodyEnd] where !isASCIIWhitespace(byte) { body.append(byte) }
        guard !body.isEmpty, let data = Data(base64Encoded: Data(body)) else { return nil }
        return (String(decoding: label, as: UTF8.self), Array(data))
    }

    /// Space, tab, LF, VT, FF, CR.
    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// The offset of the first occurrence of `needle` in `bytes` at or after `start`.
    private static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = start
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == first {
                var matched = 1
                while matched < needle.count && bytes[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return index }
            }
            index += 1
        }
        return nil
    }
}
