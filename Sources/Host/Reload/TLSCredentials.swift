import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// The HTTPS listener's certificate chain and key, swappable while the server runs.
///
/// Every TLS handshake asks the `sslContextCallback` of ``serverConfiguration()`` for the current
/// pair, so a reload (SIGHUP) takes
/// effect for the next connection without closing open ones. A pair is only installed after it
/// has been read and checked in full, so a bad file never replaces a good one.
public final class TLSCredentials: Sendable {
    /// One checked certificate chain and its key.
    public struct Pair: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
        /// The leaf's expiry, for logs and metrics.
        public var notAfter: Date
        /// The leaf's serial, lower-case hex.
        public var serial: String
    }

    private let current: Mutex<Pair>

    public init(_ pair: Pair) {
        current = Mutex(pair)
    }

    public var pair: Pair { current.withLock { $0 } }

    /// Installs a new pair for the handshakes that follow.
    public func replace(with pair: Pair) {
        current.withLock { $0 = pair }
    }

    /// Reads and checks a PEM chain and key: both parse, the chain is not empty, and the key is
    /// the leaf certificate's. Errors name the setting and file, never key material.
    public static func load(certificateFile: URL, keyFile: URL) throws -> Pair {
        let chainPEM: String
        let keyPEM: String
        do {
            chainPEM = try String(contentsOf: certificateFile, encoding: .utf8)
        } catch {
            throw HostError.configuration("CERTCTL_TLS_CERT_FILE: cannot read \(certificateFile.path)")
        }
        do {
            keyPEM = try String(contentsOf: keyFile, encoding: .utf8)
        } catch {
            throw HostError.configuration("CERTCTL_TLS_KEY_FILE: cannot read \(keyFile.path)")
        }
        let notPEM = HostError.configuration("CERTCTL_TLS_CERT_FILE: \(certificateFile.path) is not a readable PEM certificate")
        guard let chain = try? NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8)),
            let first = try? PEMDocument.parseMultiple(pemString: chainPEM).first, let leaf = try? Certificate(pemDocument: first)
        else { throw notPEM }
        let key: NIOSSLPrivateKey
        let publicKey: Certificate.PublicKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            publicKey = try Certificate.PrivateKey(pemEncoded: keyPEM).publicKey
        } catch {
            throw HostError.configuration("CERTCTL_TLS_KEY_FILE: \(keyFile.path) is not a readable PEM private key")
        }
        guard publicKey == leaf.publicKey else {
            throw HostError.configuration(
                "CERTCTL_TLS_KEY_FILE: \(keyFile.path) is not the key of the certificate in \(certificateFile.path)")
        }
        return Pair(chain: chain, key: key, notAfter: leaf.notValidAfter, serial: leaf.serialNumber.hexString)
    }

    /// TLS 1.3 only; the certificate and key of each handshake come from the current pair.
    public func serverConfiguration() -> TLSConfiguration {
        let initial = pair
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: initial.chain.map { .certificate($0) }, privateKey: .privateKey(initial.key))
        tls.minimumTLSVersion = .tlsv13
        tls.sslContextCallback = { [self] _, promise in
            let pair = self.pair
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
        return tls
    }
}
