import Foundation

/// A duration in the configuration's syntax: a positive integer followed by one unit, `s`, `m`,
/// `h` or `d` (`30s`, `15m`, `1h`, `7d`). Anything else is an error, never a silent default.
///
/// Decodes from an option scalar, so a connector's options type can say
/// `var timeout: ConfigDuration?`.
public struct ConfigDuration: Sendable, Hashable, Decodable {
    /// The length, in whole seconds.
    public let seconds: Int64

    /// The length as a `Duration`.
    public var duration: Duration { .seconds(seconds) }

    /// Parses `text`; `nil` when it is not a positive duration in the syntax above.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let unit = trimmed.last, let value = Int64(trimmed.dropLast()), value > 0 else { return nil }
        let multiplier: Int64
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3_600
        case "d": multiplier = 86_400
        default: return nil
        }
        let (seconds, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        self.seconds = seconds
    }

    /// Seconds in `text`, or `nil` when it does not parse or is not positive.
    public static func seconds(_ text: String) -> Int64? { ConfigDuration(text)?.seconds }

    /// Decodes a scalar such as `30s`; anything else is an error that shows the accepted syntax.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = ConfigDuration(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a duration such as 30s, 15m, 1h or 7d"))
        }
        self = parsed
    }
}
