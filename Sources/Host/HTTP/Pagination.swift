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
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw HostError(.badRequest, "limit must be an integer from 1 to \(Self.maxLimit)")
            }
            limit = value
        } else {
            limit = Self.defaultLimit
        }
        if let text = query.get("cursor"), !text.isEmpty {
            guard let value = Int64(text), value > 0 else { throw HostError(.badRequest, "cursor is not valid") }
            beforeSeq = value
        }
    }

    /// Splits a `limit + 1` fetch into the page and the next cursor.
    func page<T>(_ rows: [T], seq: (T) -> Int64) -> (rows: [T], nextCursor: String?) {
        guard rows.count > limit else { return (rows, nil) }
        let page = Array(rows.prefix(limit))
        return (page, page.last.map { String(seq($0)) })
    }
}
