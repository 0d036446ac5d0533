import Hummingbird

/// `limit` and `cursor` query parameters. The cursor is opaque to clients (today: the row sequence).
struct Pagination {
    static let defaultLimit = 50
    static let maxLimit = 500

    var limit: Int
    var beforeSeq: Int64?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        if let text = query.get("limit") {
            guard text.count <= 3, Self.isDecimal(text), let value = Int(text),
                (1...Self.maxLimit).contains(value)
            else {
                throw HostError(.badRequest, "limit must be an integer from 1 to \(Self.maxLimit)")
            }
            limit = value
        } else {
            limit = Self.defaultLimit
        }
        if let text = query.get("cursor") {
            // The previous page's next_cursor: a positive decimal of at most 18 digits.
            guard (1...18).contains(text.count), text.first != "0", Self.isDecimal(text),
                let value = Int64(text)
            else {
                throw HostError(.badRequest, "cursor is not valid")
            }
            beforeSeq = value
        }
    }

    static func isDecimal(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// Splits a `limit + 1` fetch into the page and the next cursor.
    func page<T>(_ rows: [T], seq: (T) -> Int64) -> (rows: [T], nextCursor: String?) {
        guard rows.count > limit else { return (rows, nil) }
        let page = Array(rows.prefix(limit))
        return (page, page.last.map { String(seq($0)) })
    }
}
