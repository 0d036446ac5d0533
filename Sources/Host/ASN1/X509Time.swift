import Foundation
import SwiftASN1

#if canImport(Glibc)
    import Glibc
#endif

/// RFC 5280 §4.1.2.5 Time: UTCTime through 2049, GeneralizedTime from 2050, whole seconds, UTC.
struct X509Time: DERSerializable, Sendable, Hashable {
    var date: Date

    init(_ date: Date) {
        self.date = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    func serialize(into coder: inout DER.Serializer) throws {
        let c = Self.components(date)
        if c.year < 2050 {
            try coder.serialize(
                try UTCTime(year: c.year, month: c.month, day: c.day, hours: c.hour, minutes: c.minute, seconds: c.second)
            )
        } else {
            try coder.serialize(GeneralizedTime(date))
        }
    }

    /// UTC calendar fields of `date`'s whole second, from `gmtime_r` (no `Calendar`: every signed
    /// OCSP response formats three times, every cacheable answer two HTTP dates).
    static func gmtime(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&seconds, &t)
        return t
    }

    static func components(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let t = gmtime(date)
        return (Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday), Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec))
    }
}

extension X509Time {
    /// Octets of a GeneralizedTime `YYYYMMDDHHMMSSZ` with its tag and length.
    static let generalizedTimeLength = 17

    /// Appends the DER of GeneralizedTime `YYYYMMDDHHMMSSZ` for `date`'s whole second (years
    /// 0–9999), built from `gmtime_r` digits: a signed OCSP response holds three, written straight
    /// into its encoding.
    static func appendGeneralizedTime(_ date: Date, to out: inout [UInt8]) {
        let t = gmtime(date)
        out.append(0x18)
        out.append(0x0F)
        func digits(_ value: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            var remaining = value
            while divisor > 0 {
                out.append(0x30 + UInt8(remaining / divisor))
                remaining %= divisor
                divisor /= 10
            }
        }
        digits(t.tm_year + 1900, 4)
        digits(t.tm_mon + 1, 2)
        digits(t.tm_mday, 2)
        digits(t.tm_hour, 2)
        digits(t.tm_min, 2)
        digits(t.tm_sec, 2)
        out.append(0x5A)
    }
}

extension GeneralizedTime {
    /// GeneralizedTime for `date`, whole seconds, no fractional part (RFC 5280 / RFC 6960).
    init(_ date: Date) throws {
        let c = X509Time.components(Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
        try self.init(
            year: c.year, month: c.month, day: c.day, hours: c.hour, minutes: c.minute, seconds: c.second,
            rawFractionalSeconds: []
        )
    }
}
