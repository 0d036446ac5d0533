import Foundation

/// Parses durations in configuration: an integer followed by one unit, `s`, `m`, `h` or `d`
/// (`30s`, `15m`, `1h`, `7d`). Anything else is an error, never a silent default.
public enum ConfigDuration {
    /// Seconds in `text`, or `nil` when it does not parse or is not positive.
    public static func seconds(_ text: String) -> Int64? {
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
        let (result, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }
}
