import ConnectorAPI
import ConnectorSupport
import Foundation

/// Validated `type: pkcs11` settings.
struct PKCS11Options {
    /// The keys as written in the configuration.
    struct File: Decodable {
        var module: String?
        var keyUri: String
        var pinFile: URL?
        var certFile: URL
        var maxSessions: Int?
        var timeout: ConfigDuration?
    }

    var module: String
    var uri: PKCS11URI
    var pinFile: URL
    var certFile: URL
    var maxSessions: Int
    var timeout: Duration

    init(_ options: ConnectorOptions) throws {
        let file = try options.decode(File.self)
        do {
            uri = try PKCS11URI(file.keyUri)
        } catch let error as ConnectorError {
            throw error.configurationError(issuer: options.issuerID)
        }
        guard let module = file.module ?? uri.modulePath else {
            throw options.invalid(
                "missing 'module' (the PKCS#11 module path, e.g. /usr/lib/softhsm/libsofthsm2.so, or p11-kit-proxy.so)")
        }
        self.module = module
        guard let pinPath = file.pinFile ?? uri.pinSource.map({ URL(fileURLWithPath: $0, relativeTo: options.baseDirectory) }) else {
            throw options.invalid("missing 'pin_file' (or pin-source= in key_uri)")
        }
        pinFile = pinPath.standardizedFileURL
        certFile = file.certFile
        maxSessions = file.maxSessions ?? 4
        guard maxSessions > 0 else { throw options.invalid("max_sessions '\(maxSessions)' is not a positive integer") }
        timeout = file.timeout?.duration ?? .seconds(10)
    }

    /// The PIN, from a file that group and others cannot read; trailing newlines are dropped.
    func pin(issuerID: String) throws -> String {
        do {
            return try SecretFile.read(pinFile, setting: "pin_file").trimmingCharacters(in: .newlines)
        } catch let error as ConnectorError {
            throw error.configurationError(issuer: issuerID)
        }
    }
}
