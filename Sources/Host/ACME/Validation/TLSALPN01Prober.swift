import Crypto
import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import SwiftASN1
import X509

/// tls-alpn-01 (RFC 8737): a TLS handshake with `<address>:CERTCTL_ACME_TLSALPN01_PORT` offering only
/// `acme-tls/1`, SNI the name (for an IP identifier its reverse name, RFC 8738), and a check of the
/// self-signed certificate presented: the one subjectAltName is the identifier, and the critical
/// `id-pe-acmeIdentifier` extension holds the SHA-256 of the key authorization. Runs on NIO's
/// event loops with a 10 s limit.
struct TLSALPN01Prober: Sendable {
    static let protocolName = "acme-tls/1"
    static let acmeIdentifier: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 1, 31]

    var port: Int

    func validate(address: [UInt8], identifier: ACMEIdentifier, keyAuthorization: String) async -> ACMEProblem? {
        let serverName = identifier.type == "ip" ? Self.reverseName(address) : identifier.value
        var presented: (der: [UInt8], negotiated: String?)
        do {
            presented = try await Self.handshake(address: address, port: port, serverName: serverName, rsaKeyExchange: false)
        } catch  where "\(error)".contains("KEY_USAGE_BIT_INCORRECT") {
            // BoringSSL insists on the challenge certificate's keyUsage fitting the handshake (TLS 1.3 and
            // ECDHE need digitalSignature); some clients' challenge certificates carry only
            // keyEncipherment (lego's), which RSA key exchange accepts. RFC 8737 does not require either.
            do {
                presented = try await Self.handshake(address: address, port: port, serverName: serverName, rsaKeyExchange: true)
            } catch {
                return ACMEProblem(.tls, "no tls-alpn-01 handshake with \(identifier.value) on port \(port): \(error)")
            }
        } catch {
            return ACMEProblem(.tls, "no tls-alpn-01 handshake with \(identifier.value) on port \(port): \(error)")
        }
        guard presented.negotiated == Self.protocolName else {
            return ACMEProblem(.tls, "\(identifier.value) did not negotiate \(Self.protocolName)")
        }
        guard let certificate = try? Certificate(derEncoded: presented.der) else {
            return ACMEProblem(.tls, "\(identifier.value) presented a certificate that does not parse")
        }
        guard let sans = (try? certificate.extensions.subjectAlternativeNames) ?? nil, sans.count == 1 else {
            return ACMEProblem(.incorrectResponse, "the tls-alpn-01 certificate must have exactly one subjectAltName")
        }
        let matches: Bool
        switch sans.first {
        case .dnsName(let name): matches = identifier.type == "dns" && name.lowercased() == identifier.value
        case .ipAddress(let octets): matches = identifier.type == "ip" && Array(octets.bytes) == address
        default: matches = false
        }
        guard matches else { return ACMEProblem(.incorrectResponse, "the tls-alpn-01 certificate is not for \(identifier.value)") }
        guard let extensionValue = certificate.extensions[oid: Self.acmeIdentifier], extensionValue.critical else {
            return ACMEProblem(.incorrectResponse, "the tls-alpn-01 certificate has no critical id-pe-acmeIdentifier extension")
        }
        let expected = Array(SHA256.hash(data: Data(keyAuthorization.utf8)))
        guard let octets = try? ASN1OctetString(derEncoded: extensionValue.value), Array(octets.bytes) == expected else {
            return ACMEProblem(.incorrectResponse, "the tls-alpn-01 certificate's acmeIdentifier is not the key authorization's digest")
        }
        return nil
    }

    /// `1.0.0.127.in-addr.arpa` / the nibbles of an IPv6 address under `ip6.arpa`.
    static func reverseName(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa" }
        return address.reversed().flatMap { [String($0 & 0x0F, radix: 16), String($0 >> 4, radix: 16)] }.joined(separator: ".")
            + ".ip6.arpa"
    }

    /// The DER of the certificate the server presented, and the negotiated ALPN protocol.
    /// - Parameter rsaKeyExchange: TLS 1.2 with RSA key exchange only, for challenge certificates whose
    ///   keyUsage lacks digitalSignature.
    static func handshake(address: [UInt8], port: Int, serverName: String, rsaKeyExchange: Bool) async throws -> (
        der: [UInt8], negotiated: String?
    ) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.applicationProtocols = [protocolName]
        configuration.minimumTLSVersion = .tlsv12
        if rsaKeyExchange {
            configuration.maximumTLSVersion = .tlsv12
            configuration.cipherSuites = "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA"
        }
        return try await ValidatorTLS.exchange(
            address: address, port: port, context: try NIOSSLContext(configuration: configuration), serverName: serverName,
            timeoutError: ChannelError.connectTimeout(ValidatorTLS.timeout)
        ) { promise in PeerCertificateCatcher(promise: promise) }
    }

    /// Completes the promise with the peer's certificate and the ALPN result once the handshake is done.
    final class PeerCertificateCatcher: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<([UInt8], String?)>

        init(promise: EventLoopPromise<([UInt8], String?)>) { self.promise = promise }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted(let negotiated) = event {
                let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
                if let der = try? handler?.peerCertificate?.toDERBytes() {
                    promise.succeed((der, negotiated))
                } else {
                    promise.fail(ChannelError.inappropriateOperationForState)
                }
                context.close(promise: nil)
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.alreadyClosed)
            context.fireChannelInactive()
        }
    }
}
