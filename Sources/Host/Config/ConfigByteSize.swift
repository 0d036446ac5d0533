import Foundation

/// Parses byte sizes: an integer with an optional unit `B`, `KB`/`KiB`, `MB`/`MiB`, `GB`/`GiB`.
/// Units are binary (1 KB = 1024 bytes), as most operators expect for request-body limits.
public enum ConfigByteSize {
    public static func bytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard let value = Int(digits), value > 0 else { return nil }
        let multiplier: Int
        switch trimmed.dropFirst(digits.count).uppercased() {
        case "", "B": multiplier = 1
        case "KB", "KIB": multiplier = 1 << 10
        case "MB", "MIB": multiplier = 1 << 20
        case "GB", "GIB": multiplier = 1 << 30
        default: return nil
        }
        let (result, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }
}
