import SwiftASN1

/// DER encoding of a swift-asn1 value, as bytes.
enum DERBytes {
    static func of(_ value: some DERSerializable) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        return serializer.serializedBytes
    }
}
