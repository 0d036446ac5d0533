import ConnectorAPI
import SwiftASN1
import X509

/// `AlgorithmIdentifier` for the signature algorithms certctl signs with: ECDSA has no parameters,
/// RSA PKCS#1 v1.5 has NULL (RFC 5758, RFC 4055).
struct SignatureAlgorithmIdentifier: DERSerializable, Sendable, Hashable {
    var oid: ASN1ObjectIdentifier
    var nullParameters: Bool

    init(_ algorithm: Certificate.SignatureAlgorithm) throws {
        switch algorithm {
        case .ecdsaWithSHA256: (oid, nullParameters) = ([1, 2, 840, 10045, 4, 3, 2], false)
        case .ecdsaWithSHA384: (oid, nullParameters) = ([1, 2, 840, 10045, 4, 3, 3], false)
        case .ecdsaWithSHA512: (oid, nullParameters) = ([1, 2, 840, 10045, 4, 3, 4], false)
        case .sha256WithRSAEncryption: (oid, nullParameters) = ([1, 2, 840, 113549, 1, 1, 11], true)
        case .sha384WithRSAEncryption: (oid, nullParameters) = ([1, 2, 840, 113549, 1, 1, 12], true)
        case .sha512WithRSAEncryption: (oid, nullParameters) = ([1, 2, 840, 113549, 1, 1, 13], true)
        default: throw HostError(.internalFailure, "cannot encode signature algorithm \(algorithm)")
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(oid)
            if nullParameters { try coder.serialize(ASN1Null()) }
        }
    }
}

/// The hash algorithms an OCSP CertID may use. SHA-1 is what most clients send; SHA-256 is what
/// newer ones send.
enum CertIDHashAlgorithm: Sendable, Hashable {
    case sha1, sha256

    static let sha1OID: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    static let sha256OID: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]

    init?(oid: ASN1ObjectIdentifier) {
        switch oid {
        case Self.sha1OID: self = .sha1
        case Self.sha256OID: self = .sha256
        default: return nil
        }
    }

    var oid: ASN1ObjectIdentifier { self == .sha1 ? Self.sha1OID : Self.sha256OID }

    /// The algorithm whose OBJECT IDENTIFIER has these DER contents (without tag and length): how
    /// ``OCSPRequestScanner`` reads it without decoding the arcs.
    init?(oidContent: ArraySlice<UInt8>) {
        if oidContent.elementsEqual(Self.sha1OIDContent) {
            self = .sha1
        } else if oidContent.elementsEqual(Self.sha256OIDContent) {
            self = .sha256
        } else {
            return nil
        }
    }

    private static let sha1OIDContent: [UInt8] = [0x2B, 0x0E, 0x03, 0x02, 0x1A]
    private static let sha256OIDContent: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
}
