import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error into a problem+json response and logs one line per request
/// (method, path without query, status, duration). Never logs bodies or headers.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = HostRequestContext

    let metrics: HostMetrics
    /// The router's paths and methods, for 405 answers.
    let routes: RouteIndex

    func handle(
        _ request: Request,
        context: HostRequestContext,
        next: (Request, HostRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound {
            // The router found no route: 405 when the path answers other methods.
            let allowed = routes.methods(for: request.uri.path)
            if allowed.isEmpty || allowed.contains(request.method.rawValue) {
                response = Self.response(for: error, logger: context.logger)
            } else {
                var headers = HTTPFields()
                headers[.allow] = allowed.joined(separator: ", ")
                response = ProblemDetails(
                    status: .methodNotAllowed, detail: "\(request.method) is not allowed here (allowed: \(allowed.joined(separator: ", ")))"
                ).response(headers: headers)
            }
        } catch {
            response = Self.response(for: error, logger: context.logger)
        }
        let elapsed = ContinuousClock.now - start
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code, duration: elapsed
        )
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method)",
                "path": "\(request.uri.path)",
                "status": "\(response.status.code)",
                "duration_ms":
                    "\(String(format: "%.2f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000))",
            ]
        )
        return response
    }

    static func response(for error: any Error, logger: Logger) -> Response {
        switch error {
        case let error as HostError:
            if error.httpStatus == .internalServerError {
                logger.error("internal error", metadata: ["error": "\(error)", "at": "\(error.file):\(error.line)"])
            }
            var headers: HTTPFields = error.code == .unauthorized ? [.wwwAuthenticate: "Bearer realm=\"certctl\""] : [:]
            if let retryAfter = error.retryAfterSeconds { headers[.retryAfter] = String(retryAfter) }
            return error.problem.response(headers: headers)
        case let error as any HTTPResponseError:
            let detail = error.status == .notFound ? "no such resource" : error.status.reasonPhrase
            return ProblemDetails(status: error.status, detail: detail).response()
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return ProblemDetails(status: .internalServerError, detail: "internal error").response()
        }
    }
}
