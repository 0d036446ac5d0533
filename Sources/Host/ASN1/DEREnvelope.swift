/// A DER tag-length-value around content that is already encoded.
///
/// swift-asn1's serializer writes a constructed node's length after its content and shifts the
/// content when the length takes more than one byte; for the outer layers of an OCSP response
/// (which hold the responder certificate) that shifting dominated encoding. Here the length is
/// known first, so each byte is written once.
enum DEREnvelope {
    /// `tag`, the definite length of the parts together, then the parts.
    static func wrap(_ tag: UInt8, _ parts: [UInt8]...) -> [UInt8] {
        let length = parts.reduce(0) { $0 + $1.count }
        var out: [UInt8] = []
        out.reserveCapacity(length + 6)
        out.append(tag)
        appendLength(length, to: &out)
        for part in parts { out.append(contentsOf: part) }
        return out
    }

    /// X.690 §8.1.3 definite length: short form below 128, else long form.
    static func appendLength(_ length: Int, to out: inout [UInt8]) {
        guard length >= 0x80 else {
            out.append(UInt8(length))
            return
        }
        var bytes: [UInt8] = []
        var remaining = length
        while remaining > 0 {
            bytes.insert(UInt8(remaining & 0xFF), at: 0)
            remaining >>= 8
        }
        out.append(0x80 | UInt8(bytes.count))
        out.append(contentsOf: bytes)
    }
}
