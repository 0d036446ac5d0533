import Crypto
import Foundation
import IssuingKit
import SwiftASN1
import Testing
import X509

/// What a CA certificate must be for certctl to issue under it (RFC 5280 §4.2.1.3, §4.2.1.9).
@Suite struct CACertificateCheckTests {
    static func certificate(
        _ extensions: Certificate.Extensions, notBefore: Date = Date().addingTimeInterval(-60),
        notAfter: Date = Date().addingTimeInterval(86_400)
    ) throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("Check CA") }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(key))
    }

    @Test func aProperCAPassesAndSignsCRLs() throws {
        let ca = try Self.certificate(
            try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            })
        #expect(try CACertificateCheck(ca).signsCRLs)
        #expect(CACertificateCheck.validityProblem(ca, now: Date()) == nil)
    }

    @Test func withoutKeyUsageTheKeyIsUnrestricted() throws {
        let ca = try Self.certificate(try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0)) })
        #expect(try CACertificateCheck(ca).signsCRLs)
    }

    @Test func withoutCRLSignNoCRL() throws {
        let ca = try Self.certificate(
            try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            })
        #expect(try CACertificateCheck(ca).signsCRLs == false)
    }

    @Test func refusals() throws {
        let notCA = try Self.certificate(try Certificate.Extensions { Critical(BasicConstraints.notCertificateAuthority) })
        #expect(throws: CACertificateCheck.Refusal.self) { try CACertificateCheck(notCA) }
        do {
            _ = try CACertificateCheck(notCA)
        } catch {
            #expect(
                error.description
                    == "the CA certificate has basicConstraints CA:FALSE (basicConstraints CA:TRUE is required, RFC 5280 §4.2.1.9)")
        }
        let none = try Self.certificate(Certificate.Extensions())
        #expect(throws: CACertificateCheck.Refusal.self) { try CACertificateCheck(none) }
        let noCertSign = try Self.certificate(
            try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, cRLSign: true))
            })
        do {
            _ = try CACertificateCheck(noCertSign)
            Issue.record("a CA without keyCertSign passed")
        } catch {
            #expect(error.rule.contains("keyCertSign"))
        }
    }

    @Test func validity() throws {
        let extensions = try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) }
        let now = Date()
        let expired = try Self.certificate(extensions, notBefore: now.addingTimeInterval(-86_400), notAfter: now.addingTimeInterval(-60))
        #expect(CACertificateCheck.validityProblem(expired, now: now)?.hasPrefix("the CA certificate expired at ") == true)
        let future = try Self.certificate(extensions, notBefore: now.addingTimeInterval(3_600), notAfter: now.addingTimeInterval(86_400))
        #expect(CACertificateCheck.validityProblem(future, now: now)?.hasPrefix("the CA certificate is not valid before ") == true)
    }
}
