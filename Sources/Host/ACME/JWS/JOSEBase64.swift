import Foundation

/// base64url without padding (RFC 4648 §5, RFC 7515 §2), as every JWS member is encoded.
enum JOSEBase64 {
    /// The decoded bytes, or `nil` for characters outside the alphabet, padding, or an impossible
    /// length. Bits left over in the last character are ignored, as Go's and Foundation's decoders do.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = text.utf8
        guard utf8.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in utf8 {
            let value = table[Int(byte)]
            guard value != invalid else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return output
    }

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64URLEncodedString()
    }

    private static let invalid: UInt8 = 0xFF

    /// Each byte's 6-bit value in the base64url alphabet, ``invalid`` for any other byte.
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        return table
    }()
}
