import SwiftASN1
import X509

/// `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` (RFC 5280), for CRLs and OCSP.
struct ExtensionList: DERSerializable, Sendable {
    var extensions: [Certificate.Extension]

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.serializeSequenceOf(extensions)
    }
}

extension DER.Serializer {
    /// Serializes `node` and returns the bytes.
    static func bytes(of node: some DERSerializable) throws -> [UInt8] {
        var coder = DER.Serializer()
        try coder.serialize(node)
        return coder.serializedBytes
    }
}
