import ConnectorAPI
import Foundation
import SwiftASN1
import X509

/// Adapts any ``CASigner`` to swift-certificates' `CustomPrivateKey`, so certificates are built
/// with `Certificate(…, issuerAsyncPrivateKey:)` whatever holds the key.
///
/// The key is not exportable: serialising it throws, which is what an HSM key should do.
struct SignerPrivateKey: CustomPrivateKey {
    private let box: SignerBox

    init(_ signer: any CASigner) {
        self.box = SignerBox(signer)
    }

    var publicKey: Certificate.PublicKey { box.signer.publicKey }
    var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm { box.signer.signatureAlgorithm }
    var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] { [box.signer.signatureAlgorithm] }

    func signSynchronously(
        bytes: some DataProtocol,
        signatureAlgorithm: Certificate.SignatureAlgorithm
    ) throws -> Certificate.Signature {
        throw ConnectorError(.internalFailure, "CA signers sign asynchronously")
    }

    func signAsynchronously(
        bytes: some DataProtocol & Sendable,
        signatureAlgorithm: Certificate.SignatureAlgorithm
    ) async throws -> Certificate.Signature {
        guard signatureAlgorithm == box.signer.signatureAlgorithm else {
            throw ConnectorError(.internalFailure, "signer does not support \(signatureAlgorithm)")
        }
        let value = try await box.signer.sign(Array(bytes))
        return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: value[...]))
    }

    static var defaultPEMDiscriminator: String { "PRIVATE KEY" }

    func serialize(into coder: inout DER.Serializer) throws {
        throw ConnectorError(.unsupported, "CA signer keys are not exportable")
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.box === rhs.box }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(box)) }
}

/// Reference identity for `Hashable` over an existential signer.
private final class SignerBox: Sendable {
    let signer: any CASigner
    init(_ signer: any CASigner) { self.signer = signer }
}
