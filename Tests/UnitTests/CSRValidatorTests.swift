import ConnectorSupport
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import Host

@Suite struct CSRValidatorTests {
    @Test func acceptsAGoodCSRWithAnyBase64LineLength() throws {
        let csr = try TestPKI.csr()
        let der = try csr.serializeAsPEM().derBytes
        let wrapped76 = Data(der).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let pem = "\n-----BEGIN CERTIFICATE REQUEST-----\r\n\(wrapped76)\r\n-----END CERTIFICATE REQUEST-----\r\n"
        #expect(try CSRValidator.validate(pem: pem) == csr)
    }

    @Test(arguments: ["", "hello", "-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----"])
    func malformedInputIsABadRequest(pem: String) {
        let error = #expect(throws: HostError.self) { try CSRValidator.validate(pem: pem) }
        #expect(error?.code == .badRequest)
    }

    @Test func aCertificateIsNotACSR() async throws {
        let (root, _) = try await TestPKI.root()
        let error = #expect(throws: HostError.self) { try CSRValidator.validate(pem: try root.serializeAsPEM().pemString) }
        #expect(error?.code == .badRequest)
    }

    @Test func aBadSignatureIsABadRequest() throws {
        var der = try TestPKI.csr().serializeAsPEM().derBytes
        der[der.count - 3] ^= 0x01  // inside the signature's s value
        let pem = "-----BEGIN CERTIFICATE REQUEST-----\n\(Data(der).base64EncodedString())\n-----END CERTIFICATE REQUEST-----\n"
        let error = #expect(throws: HostError.self) { try CSRValidator.validate(pem: pem) }
        #expect(error?.code == .badRequest)
        #expect(error?.message.contains("signature") == true)
    }

    @Test func unsupportedKeyTypesAreUnprocessable() throws {
        let p521 = try TestPKI.csr(key: Certificate.PrivateKey(P521.Signing.PrivateKey()), algorithm: .ecdsaWithSHA512)
        let error = #expect(throws: HostError.self) { try CSRValidator.validate(pem: try TestPKI.pem(p521)) }
        #expect(error?.code == .unprocessable)
    }
}
