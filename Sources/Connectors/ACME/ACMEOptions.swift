import ConnectorAPI
import Foundation

/// Validated `type: acme` settings.
struct ACMEOptions: Sendable {
    static let keys: Set<String> = [
        "directory_url", "email", "terms_of_service_agreed", "eab_kid", "eab_hmac_key", "ca_bundle_file", "challenge", "dns_hook",
        "dns_propagation_delay", "request_timeout", "timeout", "retries", "poll_interval", "circuit_breaker_failures",
        "circuit_breaker_open",
    ]

    enum ChallengeType: String, Sendable {
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
        let issuer = options.issuerID
        func invalid(_ message: String) -> ConnectorError { .invalidConfiguration("issuer \(issuer): \(message)") }
        try options.validateNoUnknownKeys(Self.keys)

        directoryURL = try options.string("directory_url")
        guard let url = URL(string: directoryURL), url.scheme == "https", url.host != nil else {
            throw invalid("directory_url '\(directoryURL)' is not an https:// URL (RFC 8555 requires TLS)")
        }
        email = options.optionalString("email")
        if let email, !email.contains("@") || email.contains(" ") {
            throw invalid("email '\(email)' is not an e-mail address")
        }
        termsOfServiceAgreed = try options.bool("terms_of_service_agreed") ?? false

        switch (options.optionalString("eab_kid"), options.optionalString("eab_hmac_key")) {
        case (nil, nil): externalAccountBinding = nil
        case (let kid?, let key?):
            guard let macKey = Base64URL.decode(key), !macKey.isEmpty else {
                throw invalid("eab_hmac_key is not base64url (the MAC key exactly as the CA gave it)")
            }
            externalAccountBinding = ExternalAccountBinding(kid: kid, macKey: macKey)
        default:
            throw invalid("eab_kid and eab_hmac_key go together: set both or neither")
        }

        caBundleFile = options.optionalPath("ca_bundle_file")
        if let caBundleFile, !FileManager.default.isReadableFile(atPath: caBundleFile.path) {
            throw invalid("ca_bundle_file \(caBundleFile.path) does not exist or cannot be read")
        }

        let challengeName = options.optionalString("challenge") ?? ChallengeType.http01.rawValue
        guard let challenge = ChallengeType(rawValue: challengeName) else {
            throw invalid("challenge '\(challengeName)' is not http-01 or dns-01")
        }
        self.challenge = challenge
        dnsHook = options.optionalPath("dns_hook")
        if challenge == .dns01 {
            guard let dnsHook else { throw invalid("challenge dns-01 needs dns_hook (a script that publishes the TXT record)") }
            guard FileManager.default.isExecutableFile(atPath: dnsHook.path) else {
                throw invalid("dns_hook \(dnsHook.path) does not exist or is not executable")
            }
        }
        dnsPropagationDelay = .seconds(try options.duration("dns_propagation_delay") ?? 0)

        requestTimeout = .seconds(try options.duration("request_timeout") ?? 10)
        timeout = .seconds(try options.duration("timeout") ?? 25)
        guard requestTimeout > .zero, timeout > .zero else { throw invalid("request_timeout and timeout must be at least 1s") }
        if let text = options.optionalString("retries") {
            guard let value = Int(text), (0...10).contains(value) else { throw invalid("retries '\(text)' is not an integer 0–10") }
            retries = value
        } else {
            retries = 2
        }
        pollInterval = .seconds(try options.duration("poll_interval") ?? 1)
        circuitBreakerFailures = try options.positiveInteger("circuit_breaker_failures") ?? 5
        circuitBreakerOpen = .seconds(try options.duration("circuit_breaker_open") ?? 30)
    }
}
