import SwiftASN1

/// RFC 6960 §4.1.1 `CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
/// issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }`.
///
/// The request's exact encoding is kept and echoed in the response, so clients that compare
/// CertIDs byte for byte (and ones that send NULL or absent hash parameters) all match.
struct OCSPCertID: DERParseable, DERSerializable, Sendable, Hashable {
    var hashAlgorithm: CertIDHashAlgorithm
    var issuerNameHash: [UInt8]
    var issuerKeyHash: [UInt8]
    var serial: SerialNumberInteger
    /// The DER this CertID was parsed from (or built as).
    var encoded: [UInt8]

    init(derEncoded node: ASN1Node) throws {
        encoded = Array(node.encodedBytes)
        (hashAlgorithm, issuerNameHash, issuerKeyHash, serial) = try DER.sequence(node, identifier: .sequence) { nodes in
            let algorithm = try DER.sequence(try Self.next(&nodes), identifier: .sequence) { inner in
                let oid = try ASN1ObjectIdentifier(derEncoded: try Self.next(&inner))
                if let parameters = inner.next() { _ = try ASN1Null(derEncoded: parameters) }
                guard let algorithm = CertIDHashAlgorithm(oid: oid) else {
                    throw OCSPFailure(.malformedRequest, "unsupported CertID hash algorithm \(oid)")
                }
                return algorithm
            }
            let nameHash = try ASN1OctetString(derEncoded: try Self.next(&nodes))
            let keyHash = try ASN1OctetString(derEncoded: try Self.next(&nodes))
            let serialNode = try Self.next(&nodes)
            guard serialNode.identifier == .integer, case .primitive(let bytes) = serialNode.content, bytes.count <= 21,
                SerialNumberInteger.isMinimalContent(bytes)
            else {
                throw OCSPFailure(.malformedRequest, "invalid CertID serial number")
            }
            return (algorithm, Array(nameHash.bytes), Array(keyHash.bytes), SerialNumberInteger(magnitude: Array(bytes)))
        }
    }

    /// A CertID already read from `encoded` (``OCSPRequestScanner``).
    init(hashAlgorithm: CertIDHashAlgorithm, issuerNameHash: [UInt8], issuerKeyHash: [UInt8], serial: SerialNumberInteger, encoded: [UInt8])
    {
        self.hashAlgorithm = hashAlgorithm
        self.issuerNameHash = issuerNameHash
        self.issuerKeyHash = issuerKeyHash
        self.serial = serial
        self.encoded = encoded
    }

    /// A CertID for `serial` under an issuer, as a client would build it.
    init(hashAlgorithm: CertIDHashAlgorithm, issuerNameHash: [UInt8], issuerKeyHash: [UInt8], serial: SerialNumberInteger) throws {
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(hashAlgorithm.oid)
                try coder.serialize(ASN1Null())
            }
            try coder.serialize(ASN1OctetString(contentBytes: issuerNameHash[...]))
            try coder.serialize(ASN1OctetString(contentBytes: issuerKeyHash[...]))
            try coder.serialize(serial)
        }
        self.init(
            hashAlgorithm: hashAlgorithm, issuerNameHash: issuerNameHash, issuerKeyHash: issuerKeyHash, serial: serial,
            encoded: coder.serializedBytes)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.serializeRawBytes(encoded)
    }

    static func next(_ nodes: inout ASN1NodeCollection.Iterator) throws -> ASN1Node {
        guard let node = nodes.next() else { throw OCSPFailure(.malformedRequest, "truncated OCSP request") }
        return node
    }
}
