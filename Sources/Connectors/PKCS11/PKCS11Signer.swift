import CPKCS11
import ConnectorAPI
import ConnectorSupport
import Crypto
import IssuingKit
import X509
import _CryptoExtras

/// A ``CASigner`` whose key never leaves the token: ECDSA P-256/P-384 (`CKM_ECDSA` over a SHA-256 /
/// SHA-384 digest computed here; the token's raw r‖s is converted to DER) and RSA PKCS#1 v1.5
/// (`CKM_SHA256_RSA_PKCS`).
struct PKCS11Signer: CASigner {
    let token: PKCS11Token
    let publicKey: Certificate.PublicKey
    let signatureAlgorithm: Certificate.SignatureAlgorithm

    init(token: PKCS11Token, publicKey: Certificate.PublicKey) throws {
        self.token = token
        self.publicKey = publicKey
        guard let keyType = KeyType(publicKey) else {
            throw ConnectorError.invalidConfiguration("unsupported CA key type in the token")
        }
        signatureAlgorithm = keyType.caSignatureAlgorithm
    }

    func sign(_ bytes: [UInt8]) async throws -> [UInt8] {
        let algorithm = signatureAlgorithm
        let input: [UInt8]
        let mechanism: CK_MECHANISM_TYPE
        switch algorithm {
        case .ecdsaWithSHA256: (input, mechanism) = (Array(SHA256.hash(data: bytes)), CK_MECHANISM_TYPE(CKM_ECDSA))
        case .ecdsaWithSHA384: (input, mechanism) = (Array(SHA384.hash(data: bytes)), CK_MECHANISM_TYPE(CKM_ECDSA))
        default: (input, mechanism) = (bytes, CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS))
        }
        let token = self.token
        let raw = try await token.withSession("sign") { f, session in
            let key = try token.privateKey(f, session)
            var mech = CK_MECHANISM(mechanism: mechanism, pParameter: nil, ulParameterLen: 0)
            try PKCS11Objects.rv(f.C_SignInit(session, &mech, key), "C_SignInit")
            var data = input
            var length: CK_ULONG = 0
            try PKCS11Objects.rv(f.C_Sign(session, &data, CK_ULONG(data.count), nil, &length), "C_Sign")
            var signature = [UInt8](repeating: 0, count: Int(length))
            try PKCS11Objects.rv(f.C_Sign(session, &data, CK_ULONG(data.count), &signature, &length), "C_Sign")
            return Array(signature.prefix(Int(length)))
        }
        switch algorithm {
        case .ecdsaWithSHA256: return try ECDSASignatureDER.encode(signer: raw, coordinateSize: 32)
        case .ecdsaWithSHA384: return try ECDSASignatureDER.encode(signer: raw, coordinateSize: 48)
        default: return raw
        }
    }
}
