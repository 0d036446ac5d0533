import ConnectorAPI
import Foundation

/// Validated `type: pkcs11` settings.
struct PKCS11Options {
    static let keys: Set<String> = ["module", "key_uri", "pin_file", "cert_file", "max_sessions", "timeout"]

    var module: String
    var uri: PKCS11URI
    var pinFile: URL
    var certFile: URL
    var maxSessions: Int
    var timeout: Duration

    init(_ options: ConnectorOptions) throws {
        let issuer = options.issuerID
        try options.validateNoUnknownKeys(Self.keys)
        do {
            uri = try PKCS11URI(try options.string("key_uri"))
        } catch let error as ConnectorError {
            throw error.configurationError(issuer: issuer)
        }
        guard let module = options.optionalString("module") ?? uri.modulePath else {
            throw ConnectorError.invalidConfiguration(
                "issuer \(issuer): missing 'module' (the PKCS#11 module path, e.g. /usr/lib/softhsm/libsofthsm2.so, or p11-kit-proxy.so)")
        }
        self.module = module
        guard
            let pinPath = options.optionalPath("pin_file")
                ?? uri.pinSource.map({ URL(fileURLWithPath: $0, relativeTo: options.baseDirectory) })
        else {
            throw ConnectorError.invalidConfiguration("issuer \(issuer): missing 'pin_file' (or pin-source= in key_uri)")
        }
        pinFile = pinPath.standardizedFileURL
        certFile = try options.path("cert_file")
        maxSessions = try options.positiveInteger("max_sessions") ?? 4
        timeout = .seconds(try options.duration("timeout") ?? 10)
    }

    /// The PIN, from a file that group and others cannot read; trailing newlines are dropped.
    func pin(issuerID: String) throws -> String {
        do {
            return try SecretFile.read(pinFile, setting: "pin_file").trimmingCharacters(in: .newlines)
        } catch let error as ConnectorError {
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): \(error.message)")
        }
    }
}
