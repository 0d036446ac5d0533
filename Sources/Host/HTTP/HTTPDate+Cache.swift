import Foundation

extension HTTPDate {
    /// The `Date` header value (RFC 9110 §6.6.1: an origin server with a clock sends it on every
    /// response), formatted at most once a second. One per connection handler: no locking.
    struct Cache {
        private var second = Int.min
        private var text = ""

        mutating func now(_ date: Date = Date()) -> String {
            let current = Int(date.timeIntervalSince1970.rounded(.down))
            if current != second {
                second = current
                text = HTTPDate.format(Date(timeIntervalSince1970: TimeInterval(current)))
            }
            return text
        }
    }
}
