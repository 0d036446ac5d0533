import ConnectorAPI
import Foundation
import SignerIssuance

/// Validated `type: local` settings.
struct LocalCAOptions {
    static let keys: Set<String> = ["key_file", "cert_file", "key_type"]

    var keyFile: URL
    var certFile: URL
    var keyType: KeyType

    init(_ options: ConnectorOptions) throws {
        try options.validateNoUnknownKeys(Self.keys)
        keyFile = try options.path("key_file")
        certFile = try options.path("cert_file")
        let typeName = options.optionalString("key_type") ?? KeyType.ecdsaP256.rawValue
        guard let keyType = KeyType(rawValue: typeName) else {
            throw ConnectorError.invalidConfiguration(
                "issuer \(options.issuerID): key_type '\(typeName)' is not one of \(KeyType.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        self.keyType = keyType
    }
}
