import ConnectorAPI
import Foundation
import SwiftASN1

/// A CRL's `revokedCertificates` list, DER-encoded entry by entry while storage reads the rows, so
/// a million revoked certificates never exist as a million objects — only as their encoding
/// (about 40–50 bytes each).
public struct RevokedEntries: Sendable {
    /// The entries' DER, concatenated: the contents of the `SEQUENCE OF`.
    public private(set) var der: [UInt8] = []
    public private(set) var count = 0

    public init() {}

    /// Appends one entry.
    /// - Throws: when the stored serial is not hex (a corrupt row).
    mutating func append(serialHex: some Collection<UInt8>, revokedAt: Date, reason: RevocationReason) throws {
        guard let serial = SerialNumberInteger(hexUTF8: serialHex) else {
            throw HostError(.internalFailure, "stored serial '\(String(decoding: serialHex, as: UTF8.self))' is not hex")
        }
        var coder = DER.Serializer()
        try coder.serialize(RevokedCertificateEntry(serial: serial, revocationDate: revokedAt, reason: reason))
        der.append(contentsOf: coder.serializedBytes)
        count += 1
    }

    /// Hands the encoding over, leaving this list empty (so it is not held twice while the CRL is built).
    mutating func takeDER() -> [UInt8] {
        defer { der = [] }
        return der
    }
}
