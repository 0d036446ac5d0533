import Hummingbird
import NIOCore

/// `GET /api/v1/metrics/prometheus` (admin, operator, auditor): Prometheus text exposition.
struct MetricsController {
    let metrics: HostMetrics
    let auth: Authenticator

    func register(on router: Router<HostRequestContext>) {
        router.get("api/v1/metrics/prometheus") { request, _ in
            _ = try await auth.principal(request, needs: .readMetrics)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
            )
        }
    }
}
