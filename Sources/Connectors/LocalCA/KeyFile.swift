import ConnectorAPI
import ConnectorSupport
import Foundation
import IssuingKit

/// The local CA's key file: PEM, mode 0600.
enum KeyFile {
    static func load(_ url: URL, issuerID: String) throws -> SoftwareSigner {
        do {
            return try SoftwareSigner(pemEncoded: try SecretFile.read(url, setting: "key_file"))
        } catch let error as ConnectorError {
            throw error.configurationError(issuer: issuerID)
        }
    }
}
