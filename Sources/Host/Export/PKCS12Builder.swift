import Crypto
import Foundation
import SwiftASN1
import _CryptoExtras

/// A certificates-only PKCS#12 file (RFC 7292), as SPEC §4 asks: the certificates in one
/// PBES2-encrypted SafeContents (PBKDF2-HMAC-SHA256 + AES-256-CBC, RFC 8018), and an HMAC-SHA256
/// integrity MAC over the AuthenticatedSafe. No private key is ever included.
///
/// ```
/// PFX ::= SEQUENCE { version 3, authSafe ContentInfo (data: AuthenticatedSafe), macData MacData }
/// AuthenticatedSafe ::= SEQUENCE OF ContentInfo (encryptedData: EncryptedData { 0, EncryptedContentInfo })
/// MacData ::= SEQUENCE { DigestInfo { sha256, mac }, macSalt OCTET STRING, iterations INTEGER }
/// ```
enum PKCS12Builder {
    static let data: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]
    static let encryptedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 6]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    /// PBKDF2 and MAC iteration count (swift-crypto's floor for PBKDF2-HMAC-SHA256, and the same
    /// for the MAC so it is not the cheaper way to guess the password).
    static let iterations = 210_000

    /// - Parameters:
    ///   - certificates: DER certificates, leaf first.
    ///   - friendlyName: set on the first (leaf) certificate.
    static func build(certificates: [[UInt8]], friendlyName: String?, password: String) throws -> [UInt8] {
        var safeContents = DER.Serializer()
        try safeContents.appendConstructedNode(identifier: .sequence) { coder in
            for (index, certificate) in certificates.enumerated() {
                try coder.serialize(PKCS12CertBag(certificateDER: certificate, friendlyName: index == 0 ? friendlyName : nil))
            }
        }
        let authSafeBytes = try authenticatedSafe(encrypting: safeContents.serializedBytes, password: password)
        return try pfx(authenticatedSafe: authSafeBytes, password: password)
    }

    static func random(_ count: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    /// `AuthenticatedSafe` with one `EncryptedData` content: the safe contents under PBES2
    /// (PBKDF2-HMAC-SHA256, AES-256-CBC).
    static func authenticatedSafe(encrypting safeContents: [UInt8], password: String) throws -> [UInt8] {
        let parameters = PBES2Parameters(salt: random(16), iterations: iterations, iv: random(16))
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: parameters.salt, using: .sha256, outputByteCount: 32, rounds: parameters.iterations
        )
        let ciphertext = try AES._CBC.encrypt(safeContents, using: key, iv: try AES._CBC.IV(ivBytes: parameters.iv))

        var authenticatedSafe = DER.Serializer()
        try authenticatedSafe.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(encryptedData)
                try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(0)
                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                            try coder.serialize(data)
                            try coder.serialize(parameters)
                            // encryptedContent [0] IMPLICIT OCTET STRING
                            coder.appendPrimitiveNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                                $0.append(contentsOf: ciphertext)
                            }
                        }
                    }
                }
            }
        }
        return authenticatedSafe.serializedBytes
    }

    /// `PFX` version 3 around the authenticated safe, with its HMAC-SHA256 `MacData`.
    static func pfx(authenticatedSafe authSafeBytes: [UInt8], password: String) throws -> [UInt8] {
        let macSalt = random(16)
        let macKey = SymmetricKey(data: PKCS12KeyDerivation.macKey(password: password, salt: macSalt, iterations: iterations))
        let mac = Array(HMAC<SHA256>.authenticationCode(for: authSafeBytes, using: macKey))

        var pfx = DER.Serializer()
        try pfx.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(3)
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(data)
                try coder.serialize(
                    ASN1OctetString(contentBytes: authSafeBytes[...]), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            }
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(sha256)
                        try coder.serialize(ASN1Null())
                    }
                    try coder.serialize(ASN1OctetString(contentBytes: mac[...]))
                }
                try coder.serialize(ASN1OctetString(contentBytes: macSalt[...]))
                try coder.serialize(iterations)
            }
        }
        return pfx.serializedBytes
    }
}
