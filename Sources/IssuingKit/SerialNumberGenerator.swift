import X509

/// Certificate serial numbers: 16 octets of CSPRNG output (126 random bits), positive, never
/// longer than 20 octets (RFC 5280 §4.1.2.2, CA/B Forum ≥ 64 bits).
public enum SerialNumberGenerator {
    /// A new random serial. The first octet is `01xxxxxx`: the sign bit is clear (positive) and the
    /// next bit is set, so the DER encoding is always exactly 16 octets with no leading zero.
    public static func next() -> Certificate.SerialNumber {
        var rng = SystemRandomNumberGenerator()  // getrandom(2) on Linux: a CSPRNG
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        bytes[0] = (bytes[0] & 0x3F) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }
}
