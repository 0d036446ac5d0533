import ConnectorAPI
import Foundation

/// The `iss-local` issuer bootstrapped when the configuration names no issuers: a `local`
/// connector with a self-signed EC P-256 root under `<data_dir>/ca/`.
enum DevIssuer {
    static let id = "iss-local"
    static let type = "local"

    static func settings(dataDirectory: URL) -> IssuerSettings {
        let ca = dataDirectory.appendingPathComponent("ca")
        return IssuerSettings(
            id: id,
            type: type,
            maxValiditySeconds: IssuerSettings.defaultMaxValiditySeconds,
            defaultValiditySeconds: IssuerSettings.defaultValiditySeconds,
            options: ConnectorOptions(
                values: [
                    "key_file": ca.appendingPathComponent("\(id).key").path,
                    "cert_file": ca.appendingPathComponent("\(id).crt").path,
                    "key_type": "ecdsa-p256",
                ],
                baseDirectory: dataDirectory,
                issuerID: id
            )
        )
    }
}
