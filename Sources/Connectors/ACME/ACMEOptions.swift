import ConnectorAPI
import ConnectorSupport
import Foundation

/// Validated `type: acme` settings.
struct ACMEOptions: Sendable {
    /// The keys as written in the configuration.
    struct File: Decodable {
        var directoryUrl: String
        var email: String?
        var termsOfServiceAgreed: Bool?
        var eabKid: String?
        var eabHmacKey: String?
        var eabHmacKeyFile: URL?
        var caBundleFile: URL?
        var challenge: ChallengeType?
        var dnsHook: URL?
        var dnsHookEnv: [String: String]?
        var dnsPropagationDelay: ConfigDuration?
        var requestTimeout: ConfigDuration?
        var timeout: ConfigDuration?
        var retries: Int?
        var pollInterval: ConfigDuration?
        var circuitBreakerFailures: Int?
        var circuitBreakerOpen: ConfigDuration?
    }

    enum ChallengeType: String, Sendable, OptionChoice {
        case http01 = "http-01"
        case dns01 = "dns-01"
    }

    struct ExternalAccountBinding: Sendable {
        var kid: String
        var macKey: [UInt8]
    }

    var directoryURL: String
    var email: String?
    var termsOfServiceAgreed: Bool
    var externalAccountBinding: ExternalAccountBinding?
    var caBundleFile: URL?
    var challenge: ChallengeType
    var dnsHook: URL?
    /// `dns_hook_env`: variables for the hook, which inherits only PATH, HOME, LANG and TZ.
    var dnsHookEnvironment: [String: String]
    var dnsPropagationDelay: Duration
    /// One HTTP exchange with the CA.
    var requestTimeout: Duration
    /// A whole issue or revoke call, including retries and polling.
    var timeout: Duration
    var retries: Int
    var pollInterval: Duration
    var circuitBreakerFailures: Int
    var circuitBreakerOpen: Duration

    init(_ options: ConnectorOptions) throws {
        let file = try options.decode(File.self)
        directoryURL = file.directoryUrl
        guard let url = URL(string: directoryURL), url.scheme == "https", url.host != nil else {
            throw options.invalid("directory_url '\(directoryURL)' is not an https:// URL (RFC 8555 requires TLS)")
        }
        email = file.email
        if let email, !email.contains("@") || email.contains(" ") {
            throw options.invalid("email '\(email)' is not an e-mail address")
        }
        termsOfServiceAgreed = file.termsOfServiceAgreed ?? false
        externalAccountBinding = try Self.externalAccountBinding(file, options)
        caBundleFile = file.caBundleFile
        if let caBundleFile, !FileManager.default.isReadableFile(atPath: caBundleFile.path) {
            throw options.invalid("ca_bundle_file \(caBundleFile.path) does not exist or cannot be read")
        }
        challenge = file.challenge ?? .http01
        dnsHook = file.dnsHook
        dnsHookEnvironment = file.dnsHookEnv ?? [:]
        if challenge == .dns01 {
            guard let dnsHook else { throw options.invalid("challenge dns-01 needs dns_hook (a script that publishes the TXT record)") }
            guard FileManager.default.isExecutableFile(atPath: dnsHook.path) else {
                throw options.invalid("dns_hook \(dnsHook.path) does not exist or is not executable")
            }
        }
        dnsPropagationDelay = file.dnsPropagationDelay?.duration ?? .zero
        requestTimeout = file.requestTimeout?.duration ?? .seconds(10)
        timeout = file.timeout?.duration ?? .seconds(25)
        retries = file.retries ?? 2
        guard (0...10).contains(retries) else { throw options.invalid("retries '\(retries)' is not an integer 0–10") }
        pollInterval = file.pollInterval?.duration ?? .seconds(1)
        circuitBreakerFailures = file.circuitBreakerFailures ?? 5
        guard circuitBreakerFailures > 0 else {
            throw options.invalid("circuit_breaker_failures '\(circuitBreakerFailures)' is not a positive integer")
        }
        circuitBreakerOpen = file.circuitBreakerOpen?.duration ?? .seconds(30)
    }

    /// `eab_kid` with `eab_hmac_key`, or with `eab_hmac_key_file` (an owner-only file holding the
    /// key, so the config file can be shared without it).
    static func externalAccountBinding(_ file: File, _ options: ConnectorOptions) throws -> ExternalAccountBinding? {
        var key = file.eabHmacKey
        if let path = file.eabHmacKeyFile {
            guard key == nil else { throw options.invalid("eab_hmac_key and eab_hmac_key_file: set one, not both") }
            let text: String
            do {
                text = try SecretFile.read(path, setting: "eab_hmac_key_file")
            } catch let error as ConnectorError {
                throw options.invalid(error.message)
            }
            key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        switch (file.eabKid, key) {
        case (nil, nil): return nil
        case (let kid?, let key?):
            guard let macKey = Base64URL.decode(key), !macKey.isEmpty else {
                throw options.invalid("eab_hmac_key is not base64url (the MAC key exactly as the CA gave it)")
            }
            return ExternalAccountBinding(kid: kid, macKey: macKey)
        default:
            throw options.invalid("eab_kid and eab_hmac_key (or eab_hmac_key_file) go together: set both or neither")
        }
    }
}
