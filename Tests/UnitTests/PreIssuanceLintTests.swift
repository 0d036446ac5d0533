import ConnectorAPI
import Crypto
import Foundation
import IssuingKit
import SwiftASN1
import Testing
import X509
import _CryptoExtras

/// Each pre-issuance rule, driven by a deliberately bad draft: nothing is signed.
@Suite struct PreIssuanceLintTests {
    let issuer: SignerBackedIssuer
    let good: CertificateDraft

    init() async throws {
        let (ca, signer) = try await TestPKI.root()
        issuer = try SignerBackedIssuer(caCertificate: ca, signer: signer)
        good = try issuer.draft(TestPKI.request(try TestPKI.csr()))
    }

    func finding(_ change: (inout CertificateDraft) throws -> Void) throws -> String? {
        var draft = good
        try change(&draft)
        let error = #expect(throws: ConnectorError.self) { try PreIssuanceLint.check(draft, issuer: issuer.caCertificate) }
        #expect(error?.code == .preIssuanceCheckFailed)
        return error?.message
    }

    func replace(_ oid: ASN1ObjectIdentifier, in draft: inout CertificateDraft, with ext: Certificate.Extension?) {
        draft.extensions.removeAll { $0.oid == oid }
        if let ext { draft.extensions.append(ext) }
    }

    @Test func theGoodDraftPasses() throws {
        try PreIssuanceLint.check(good, issuer: issuer.caCertificate)
    }

    @Test func serial() throws {
        #expect(try finding { $0.serialNumber = Certificate.SerialNumber(bytes: [0x80, 1]) }?.contains("check serial") == true)
        #expect(
            try finding { $0.serialNumber = Certificate.SerialNumber(bytes: Array(repeating: 0x11, count: 21)) }?.contains("serial") == true
        )
        #expect(try finding { $0.serialNumber = Certificate.SerialNumber(bytes: [0]) }?.contains("serial") == true)
    }

    @Test func validity() throws {
        #expect(try finding { $0.notValidAfter = $0.notValidBefore }?.contains("check validity") == true)
        #expect(
            try finding { $0.notValidAfter = issuer.caCertificate.notValidAfter.addingTimeInterval(1) }?.contains("inside the issuing CA")
                == true)
        #expect(
            try finding { $0.notValidBefore = issuer.caCertificate.notValidBefore.addingTimeInterval(-1) }?.contains("validity") == true)
    }

    @Test func emptySubjectNeedsACriticalSAN() throws {
        let sans = try Certificate.Extension(SubjectAlternativeNames([.dnsName("a.example.test")]), critical: false)
        let message = try finding { draft in
            draft.subject = DistinguishedName()
            replace(.X509ExtensionID.subjectAlternativeName, in: &draft, with: sans)
        }
        #expect(message?.contains("check san") == true)
        #expect(
            try finding { draft in
                draft.subject = DistinguishedName()
                replace(.X509ExtensionID.subjectAlternativeName, in: &draft, with: nil)
            }?.contains("san") == true)
    }

    @Test func keyUsageFollowsTheKeyType() throws {
        let rsaUsage = try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: true), critical: true)
        #expect(
            try finding { replace(.X509ExtensionID.keyUsage, in: &$0, with: rsaUsage) }?.contains("keyEncipherment is only for RSA") == true
        )
        let signing = try Certificate.Extension(KeyUsage(digitalSignature: true, keyCertSign: true), critical: true)
        #expect(try finding { replace(.X509ExtensionID.keyUsage, in: &$0, with: signing) }?.contains("must not sign") == true)
        let notCritical = try Certificate.Extension(KeyUsage(digitalSignature: true), critical: false)
        #expect(try finding { replace(.X509ExtensionID.keyUsage, in: &$0, with: notCritical) }?.contains("present and critical") == true)
        let agreement = try Certificate.Extension(KeyUsage(digitalSignature: true, keyAgreement: true), critical: true)
        #expect(try finding { replace(.X509ExtensionID.keyUsage, in: &$0, with: agreement) }?.contains("key_usage") == true)
        // The same RSA usage on an RSA key is right.
        var rsa = try issuer.draft(
            TestPKI.request(
                try TestPKI.csr(
                    key: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048)), algorithm: .sha256WithRSAEncryption)))
        replace(.X509ExtensionID.keyUsage, in: &rsa, with: rsaUsage)
        try PreIssuanceLint.check(rsa, issuer: issuer.caCertificate)
    }

    @Test func duplicateExtensions() throws {
        #expect(try finding { $0.extensions.append($0.extensions[0]) }?.contains("duplicate_extension") == true)
    }

    @Test func authorityKeyIdentifierIsTheIssuersSKI() throws {
        let wrong = try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: [1, 2, 3]), critical: false)
        #expect(
            try finding { replace(.X509ExtensionID.authorityKeyIdentifier, in: &$0, with: wrong) }?.contains("authority_key_identifier")
                == true)
        #expect(
            try finding { replace(.X509ExtensionID.authorityKeyIdentifier, in: &$0, with: nil) }?.contains("authority_key_identifier")
                == true)
    }

    @Test func basicConstraintsMustNotMakeACA() throws {
        let ca = try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true)
        #expect(try finding { replace(.X509ExtensionID.basicConstraints, in: &$0, with: ca) }?.contains("basic_constraints") == true)
    }
}
