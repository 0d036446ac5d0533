import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftASN1
import X509

/// Unauthenticated PKI publication under `/.well-known/pki/`, served on the HTTPS listener and on
/// `CERTCTL_PKI_HTTP_LISTEN`: CA certificates, CRLs and OCSP.
struct PKIController {
    let issuers: IssuerDirectory
    let crl: CRLService
    /// OCSP's one decision (shared with the connection handler).
    let ocsp: OCSPFastPath
    let settings: RevocationSettings
    let metrics: HostMetrics

    static let ocspPrefix = "/.well-known/pki/ocsp/"

    func register(on router: Router<HostRequestContext>) {
        router.get(".well-known/pki/ca/:issuer") { _, context in try await caCertificate(try context.parameters.require("issuer")) }
        router.get(".well-known/pki/crl/:issuer") { request, context in
            try await crl(request, issuerID: try context.parameters.require("issuer"))
        }
        // The same decision as the connection handler's (OCSPFastPath), for connections handed to
        // the router and for the plain router (tests).
        router.post(".well-known/pki/ocsp/:issuer") { request, context in
            let issuerID = try context.parameters.require("issuer")
            let form: OCSPFastPath.Request.Form
            do {
                var buffer = try await request.body.collect(upTo: OCSPResponder.maxRequestBytes)
                form = .post(body: buffer.readBytes(length: buffer.readableBytes) ?? [])
            } catch {
                form = .oversizedPost
            }
            return await ocspResponse(form, issuerID: issuerID, request, context)
        }
        router.get(".well-known/pki/ocsp/:issuer/**") { request, context in
            let issuerID = try context.parameters.require("issuer")
            return await ocspResponse(.get(path: request.uri.path), issuerID: issuerID, request, context)
        }
    }

    private func ocspResponse(
        _ form: OCSPFastPath.Request.Form, issuerID: String, _ request: Request, _ context: HostRequestContext
    ) async -> Response {
        let answer = await ocsp.respond(
            OCSPFastPath.Request(form: form, ifNoneMatch: request.headers[.ifNoneMatch]), issuerID: issuerID,
            ip: ocsp.clientKey(context.remoteAddress))
        return Response(
            status: answer.status, headers: answer.headers,
            body: answer.body.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? .init())
    }

    enum GetForm: Equatable {
        case serial(String)
        case request([UInt8])
        case invalid
    }

    /// Splits the GET forms: a hex serial, or RFC 6960 §A.1 `url-encoding of base-64 encoding of the
    /// DER encoding of the OCSPRequest` — whose base64 may hold `/` (raw or `%2F`), `+` and `=`.
    static func getForm(path: String, issuerID: String) -> GetForm {
        // Byte-level: this runs for every GET request (Foundation's string APIs cost more than the
        // rest of a cached answer).
        let prefix = Array((ocspPrefix + issuerID + "/").utf8)
        let pathBytes = Array(path.utf8)
        guard pathBytes.starts(with: prefix) else { return .invalid }
        let raw = pathBytes[prefix.count...]
        let text = percentDecoded(raw) ?? Array(raw)
        guard !text.isEmpty else { return .invalid }
        if text.count <= 40, text.allSatisfy({ SerialNumberInteger.nibble($0) != nil }) {
            return .serial(String(decoding: text, as: UTF8.self))
        }
        var base64 = text.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: " "): UInt8(ascii: "+")
            case UInt8(ascii: "_"): UInt8(ascii: "/")
            default: byte
            }
        }
        while base64.count % 4 != 0 { base64.append(UInt8(ascii: "=")) }
        guard let data = Data(base64Encoded: Data(base64)) else { return .invalid }
        return .request(Array(data))
    }

    /// `%XX` sequences decoded; `nil` when one is malformed (the text is then taken as it is).
    private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = SerialNumberInteger.nibble(bytes[index + 1]),
                    let low = SerialNumberInteger.nibble(bytes[index + 2])
                else {
                    return nil
                }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    private func crl(_ request: Request, issuerID: String) async throws -> Response {
        let current: StoredCRL
        do {
            current = try await crl.current(issuerID: issuerID)
        } catch let error as HostError where error.code == .notFound {
            metrics.increment(.crl, "issuer_not_found")
            throw error
        }
        let etag = "W/\"\(issuerID)-\(current.number)\""
        let maxAge = max(0, min(Int(current.nextUpdate.timeIntervalSinceNow), Int(settings.crlGenerationInterval)))
        var headers: HTTPFields = [
            .contentType: "application/pkix-crl",
            .eTag: etag,
            .cacheControl: "public, max-age=\(maxAge), must-revalidate",
            .lastModified: HTTPDate.format(current.thisUpdate),
            .expires: HTTPDate.format(current.nextUpdate),
        ]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag })
        {
            metrics.increment(.crl, "not_modified")
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        metrics.increment(.crl, "served")
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: current.der)))
    }

    private func caCertificate(_ requested: String) async throws -> Response {
        var name = requested
        let pem = name.hasSuffix(".pem")
        if pem { name.removeLast(4) }
        guard let issuer = issuers[name] else { throw HostError(.notFound, "unknown issuer '\(name)'") }
        guard let certificate = try? await issuer.currentCACertificate() else {
            throw HostError(.notFound, "issuer '\(name)' has not issued a certificate yet, so its CA certificate is not known")
        }
        let bytes: [UInt8]
        let contentType: String
        if pem {
            bytes = Array(try certificate.pemText.utf8)
            contentType = "application/x-pem-file"
        } else {
            bytes = try DER.Serializer.bytes(of: certificate)
            contentType = "application/pkix-cert"
        }
        return Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "public, max-age=3600"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
