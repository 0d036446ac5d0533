import HTTPTypes
import Hummingbird
import Synchronization

/// Which methods each route path answers, so a request for a known path with another method gets
/// 405 and an `Allow` header instead of 404 (RFC 9110 §15.5.6).
final class RouteIndex: Sendable {
    private struct Route {
        /// Path segments; `nil` matches any one segment, and a trailing `**` any rest.
        var segments: [Substring?]
        var matchesRest: Bool
        var methods: Set<String>
    }

    private let routes = Mutex<[Route]>([])

    /// Records `router`'s routes; call after every route is registered.
    func load(_ router: Router<HostRequestContext>) {
        var byPath: [String: Route] = [:]
        for route in router.routes {
            let text = route.path.description
            var segments = text.split(separator: "/").map { segment -> Substring? in
                segment.hasPrefix(":") || segment == "*" || segment.hasPrefix("{") ? nil : segment
            }
            let matchesRest = segments.last == "**"
            if matchesRest { segments.removeLast() }
            var entry = byPath[text] ?? Route(segments: segments, matchesRest: matchesRest, methods: [])
            entry.methods.insert(route.method.rawValue)
            // GET routes answer HEAD too.
            if route.method == .get { entry.methods.insert(HTTPRequest.Method.head.rawValue) }
            byPath[text] = entry
        }
        routes.withLock { $0 = Array(byPath.values) }
    }

    /// The methods `path` answers (sorted), empty when no route has this path.
    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        return routes.withLock { routes in
            var methods = Set<String>()
            for route in routes where Self.matches(parts, route) { methods.formUnion(route.methods) }
            return methods.sorted()
        }
    }

    private static func matches(_ parts: [Substring], _ route: Route) -> Bool {
        if route.matchesRest ? parts.count <= route.segments.count : parts.count != route.segments.count { return false }
        return zip(parts, route.segments).allSatisfy { part, segment in segment == nil || segment == part }
    }
}
