import ConnectorAPI
import Crypto
import X509
import _CryptoExtras

/// Key types certctl issues for and generates. The host accepts CSRs with any of these keys and
/// refuses all others with 422. As an option (`key_type: ecdsa-p384`) it decodes by its name.
public enum KeyType: String, Sendable, CaseIterable, OptionChoice {
    case ecdsaP256 = "ecdsa-p256"
    case ecdsaP384 = "ecdsa-p384"
    case rsa2048 = "rsa-2048"
    case rsa3072 = "rsa-3072"
    case rsa4096 = "rsa-4096"

    /// The key type of a public key, or `nil` when certctl does not accept it.
    public init?(_ publicKey: Certificate.PublicKey) {
        if P256.Signing.PublicKey(publicKey) != nil {
            self = .ecdsaP256
        } else if P384.Signing.PublicKey(publicKey) != nil {
            self = .ecdsaP384
        } else if let rsa = _RSA.Signing.PublicKey(publicKey) {
            switch rsa.keySizeInBits {
            case 2048: self = .rsa2048
            case 3072: self = .rsa3072
            case 4096: self = .rsa4096
            default: return nil
            }
        } else {
            return nil
        }
    }

    /// The signature algorithm a CA key of this type signs with: ECDSA with the curve's hash, RSA
    /// with PKCS#1 v1.5 and SHA-256 (never PSS).
    public var caSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .ecdsaP256: .ecdsaWithSHA256
        case .ecdsaP384: .ecdsaWithSHA384
        case .rsa2048, .rsa3072, .rsa4096: .sha256WithRSAEncryption
        }
    }

    /// Whether a certificate for this key should allow key encipherment (RSA key transport).
    public var isRSA: Bool {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: true
        case .ecdsaP256, .ecdsaP384: false
        }
    }
}
