/// An error from a connector, classified so the host can map it to an HTTP status and decide
/// whether to retry. `description` never contains key material, PINs or other secrets.
public struct ConnectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, from the host's point of view.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Backing: Hashable {
            case invalidConfiguration, rejected, unsupported, unavailable, timedOut, upstreamFailure, internalFailure,
                preIssuanceCheckFailed
        }
        let backing: Backing

        /// The issuer configuration is wrong (startup error naming the setting).
        public static let invalidConfiguration = Code(backing: .invalidConfiguration)
        /// The request is well-formed but this CA will not do it (HTTP 422). Not retryable.
        public static let rejected = Code(backing: .rejected)
        /// The connector does not implement this operation (HTTP 422). Not retryable.
        public static let unsupported = Code(backing: .unsupported)
        /// The CA backend is unreachable or busy (HTTP 503). Retryable.
        public static let unavailable = Code(backing: .unavailable)
        /// The CA backend did not answer in time (HTTP 504). Retryable.
        public static let timedOut = Code(backing: .timedOut)
        /// The CA backend answered with an error (HTTP 502). Retryable.
        public static let upstreamFailure = Code(backing: .upstreamFailure)
        /// A bug or local failure inside the connector (HTTP 500). Not retryable.
        public static let internalFailure = Code(backing: .internalFailure)
        /// A check of the to-be-signed certificate found a defect, so nothing was signed (HTTP 500;
        /// the host audits it as `cert_issue_lint_failed`). The message names the rule and field.
        public static let preIssuanceCheckFailed = Code(backing: .preIssuanceCheckFailed)

        /// The code's name, e.g. `unavailable`.
        public var description: String {
            switch backing {
            case .invalidConfiguration: "invalidConfiguration"
            case .rejected: "rejected"
            case .unsupported: "unsupported"
            case .unavailable: "unavailable"
            case .timedOut: "timedOut"
            case .upstreamFailure: "upstreamFailure"
            case .internalFailure: "internalFailure"
            case .preIssuanceCheckFailed: "preIssuanceCheckFailed"
            }
        }
    }

    /// What went wrong; decides the HTTP status and whether a retry may help.
    public var code: Code
    /// Human-readable, safe to return to API clients and to log.
    public var message: String
    /// Where the error was made (`#fileID`), for logs.
    public var file: String
    /// The line where the error was made.
    public var line: UInt

    /// - Parameters:
    ///   - code: the classification.
    ///   - message: human-readable, shown to API clients: never a secret.
    ///   - file: where the error was made (default: the caller's file).
    ///   - line: the line where the error was made.
    public init(_ code: Code, _ message: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// Whether retrying the same request later may succeed.
    public var isRetryable: Bool {
        switch code.backing {
        case .unavailable, .timedOut, .upstreamFailure: true
        default: false
        }
    }

    /// `ConnectorError.<code>: <message>`.
    public var description: String { "ConnectorError.\(code): \(message)" }

    /// `message` prefixed with `issuer <id>: `, unless it already names that issuer.
    public static func naming(issuer id: String, _ message: String) -> String {
        message.hasPrefix("issuer \(id)") ? message : "issuer \(id): \(message)"
    }

    /// This error as a start-up configuration error whose message names the issuer.
    public func configurationError(issuer id: String) -> ConnectorError {
        ConnectorError(.invalidConfiguration, Self.naming(issuer: id, message), file: file, line: line)
    }

    /// A configuration error (`invalidConfiguration`): stops start-up with `message`.
    public static func invalidConfiguration(_ message: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidConfiguration, message, file: file, line: line)
    }
    /// A request this CA will not do (`rejected`, HTTP 422).
    public static func rejected(_ message: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.rejected, message, file: file, line: line)
    }
}
