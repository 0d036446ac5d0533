import ConnectorAPI
import Foundation
import SwiftASN1
import X509

/// A file of one or more PEM certificates: the `cert_file` of signer-backed connectors (the CA
/// certificate, followed by its parents for a subordinate).
public enum PEMBundle {
    /// The CA certificate bundle a connector starts with; a missing file names the command that makes it.
    public static func readCA(_ url: URL, issuerID: String) throws -> [Certificate] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ConnectorError.invalidConfiguration(
                "issuer \(issuerID): cert_file \(url.path) does not exist; run `certctl ca init --issuer \(issuerID)`"
            )
        }
        return try read(url, issuerID: issuerID)
    }

    /// `ca init` never overwrites a CA certificate.
    public static func refuseOverwrite(_ url: URL, issuerID: String) throws {
        if FileManager.default.fileExists(atPath: url.path) {
            throw ConnectorError.rejected("issuer \(issuerID): \(url.path) already exists; refusing to overwrite it")
        }
    }

    public static func read(_ url: URL, issuerID: String) throws -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): cert_file \(url.path) cannot be read")
        }
        do {
            let certificates = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
            guard !certificates.isEmpty else { throw ConnectorError.invalidConfiguration("no certificate") }
            return certificates
        } catch {
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): cert_file \(url.path) is not a PEM certificate bundle")
        }
    }

    public static func write(_ certificates: [Certificate], to url: URL) throws {
        let text = try certificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .withoutOverwriting)
    }
}
