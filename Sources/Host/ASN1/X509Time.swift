import Foundation
import SwiftASN1

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

    static func components(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return (c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
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
