import SwiftASN1

/// The PBES2 `AlgorithmIdentifier` (RFC 8018 §A.4) certctl encrypts PKCS#12 contents with:
///
/// ```
/// SEQUENCE { id-PBES2, PBES2-params ::= SEQUENCE {
///   keyDerivationFunc SEQUENCE { id-PBKDF2, PBKDF2-params ::= SEQUENCE {
///     salt OCTET STRING, iterationCount INTEGER, keyLength INTEGER (32), prf SEQUENCE { id-hmacWithSHA256, NULL } } },
///   encryptionScheme SEQUENCE { aes256-CBC, iv OCTET STRING (16) } } }
/// ```
struct PBES2Parameters: DERSerializable, Sendable {
    static let pbes2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 13]
    static let pbkdf2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 12]
    static let hmacWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 9]
    static let aes256CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 42]

    var salt: [UInt8]
    var iterations: Int
    var iv: [UInt8]

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(Self.pbes2)
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(Self.pbkdf2)
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(ASN1OctetString(contentBytes: salt[...]))
                        try coder.serialize(iterations)
                        try coder.serialize(32)
                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                            try coder.serialize(Self.hmacWithSHA256)
                            try coder.serialize(ASN1Null())
                        }
                    }
                }
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(Self.aes256CBC)
                    try coder.serialize(ASN1OctetString(contentBytes: iv[...]))
                }
            }
        }
    }
}
