import Hummingbird
import NIOCore
import SwiftASN1
import X509

/// Unauthenticated PKI publication under `/.well-known/pki/`: CA certificates (DER, or PEM with
/// a `.pem` suffix), for the AIA caIssuers URL in issued certificates.
struct PKIController {
    let issuers: IssuerDirectory

    func register(on router: Router<HostRequestContext>) {
        router.get(".well-known/pki/ca/:issuer") { _, context in
            var name = try context.parameters.require("issuer")
            let pem = name.hasSuffix(".pem")
            if pem { name.removeLast(4) }
            guard let issuer = issuers[name] else { throw HostError(.notFound, "unknown issuer '\(name)'") }
            let certificate = issuer.caCertificate
            let bytes: [UInt8]
            let contentType: String
            if pem {
                bytes = Array((try certificate.serializeAsPEM().pemString + "\n").utf8)
                contentType = "application/x-pem-file"
            } else {
                var serializer = SwiftASN1.DER.Serializer()
                try serializer.serialize(certificate)
                bytes = serializer.serializedBytes
                contentType = "application/pkix-cert"
            }
            return Response(
                status: .ok,
                headers: [.contentType: contentType, .cacheControl: "public, max-age=3600"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
    }
}
