/// A DER tag-length-value around content that is already encoded.
///
/// swift-asn1's serializer writes a constructed node's length after its content and shifts the
/// content when the length takes more than one byte; for the outer layers of an OCSP response
/// (which hold the responder certificate) that shifting dominated encoding. Here the length is
/// known first, so each byte is written once.
enum DEREnvelope {
    /// X.690 §8.1.3 definite length: short form below 128, else long form.
    static func appendLength(_ length: Int, to out: inout [UInt8]) {
        guard length >= 0x80 else {
            out.append(UInt8(length))
            return
        }
        let octets = lengthOctets(length) - 1
        out.append(0x80 | UInt8(octets))
        for index in stride(from: octets - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: length >> (8 * index))) }
    }

    /// Octets of the definite length form of `length` (X.690 §8.1.3).
    static func lengthOctets(_ length: Int) -> Int {
        guard length >= 0x80 else { return 1 }
        return 1 + (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
    }

    /// Octets of a whole TLV (one-octet tag) around `contentLength` octets.
    static func encodedLength(_ contentLength: Int) -> Int {
        1 + lengthOctets(contentLength) + contentLength
    }

    /// A one-octet tag and the length, for content appended next.
    static func appendHeader(_ tag: UInt8, contentLength: Int, to out: inout [UInt8]) {
        out.append(tag)
        appendLength(contentLength, to: &out)
    }
}
