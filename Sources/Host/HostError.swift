/// An error the host reports to a client. The HTTP status is chosen only at the boundary
/// (`HostError+HTTP.swift`); `message` is safe to show and never contains secrets.
public struct HostError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Backing: String, Hashable {
            case badRequest, unauthorized, forbidden, notFound, conflict, payloadTooLarge, unprocessable
            case tooManyRequests, preIssuanceCheck
            case badGateway, unavailable, gatewayTimeout, internalFailure, configuration, busy
        }
        let backing: Backing

        /// Malformed input: invalid JSON, bad PEM/DER, a CSR whose signature does not verify.
        public static let badRequest = Code(backing: .badRequest)
        /// No valid API key.
        public static let unauthorized = Code(backing: .unauthorized)
        /// A valid key without the rights for this route.
        public static let forbidden = Code(backing: .forbidden)
        /// Unknown resource.
        public static let notFound = Code(backing: .notFound)
        /// The request conflicts with the resource's state (e.g. revoking twice).
        public static let conflict = Code(backing: .conflict)
        /// Body over the configured maximum.
        public static let payloadTooLarge = Code(backing: .payloadTooLarge)
        /// Well-formed but unacceptable (unknown issuer, unsupported key, validity too long).
        public static let unprocessable = Code(backing: .unprocessable)
        /// Over a rate limit (with ``HostError/retryAfterSeconds``).
        public static let tooManyRequests = Code(backing: .tooManyRequests)
        /// A pre-issuance check found a defect in a to-be-signed certificate (HTTP 500, but the
        /// finding is shown: it names a certificate field, never a secret).
        public static let preIssuanceCheck = Code(backing: .preIssuanceCheck)
        /// The CA backend answered with an error.
        public static let badGateway = Code(backing: .badGateway)
        /// The CA backend or the database is unavailable.
        public static let unavailable = Code(backing: .unavailable)
        /// The CA backend timed out.
        public static let gatewayTimeout = Code(backing: .gatewayTimeout)
        /// A bug or unexpected local failure.
        public static let internalFailure = Code(backing: .internalFailure)
        /// A configuration error (startup only).
        public static let configuration = Code(backing: .configuration)
        /// A listen address or the data directory is already in use (startup only; exit 75).
        public static let busy = Code(backing: .busy)

        public var description: String { backing.rawValue }
    }

    public var code: Code
    public var message: String
    public var file: String
    public var line: UInt
    /// For ``Code/tooManyRequests``: the `Retry-After` value.
    public var retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// 429: over a rate limit; try again after `retryAfterSeconds`.
    static func tooManyRequests(_ message: String, retryAfterSeconds: Int, file: String = #fileID, line: UInt = #line) -> HostError {
        var error = HostError(.tooManyRequests, message, file: file, line: line)
        error.retryAfterSeconds = retryAfterSeconds
        return error
    }

    public var description: String { "HostError.\(code): \(message)" }

    static func configuration(_ message: String, file: String = #fileID, line: UInt = #line) -> HostError {
        HostError(.configuration, message, file: file, line: line)
    }
}
