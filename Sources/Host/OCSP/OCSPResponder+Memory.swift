import Foundation
import SwiftASN1
import X509

extension OCSPResponder {
    /// An OCSP request as it arrived: a DER body (POST, §A.1 GET) or the `{serial_hex}` GET form.
    enum Input: Sendable {
        case der([UInt8])
        case serial(String)
    }

    /// An answer decided from memory alone, before the per-IP limit is applied; ``finish(_:)``
    /// produces the response without suspending.
    enum Plan: Sendable {
        /// A pre-signed response.
        case stored(Answer)
        /// A nonce request for a serial whose status is known: signed live.
        case sign(
            issuerID: String, certID: OCSPCertID, status: OCSPCertStatus, nonce: Certificate.Extension, responder: ResponderStore.Active)
    }

    /// What ``OCSPMemoryCache`` can answer for this request, or `nil` when it needs the database, an
    /// error answer or a new responder — the full path (``respond(issuerID:requestDER:)``) then
    /// answers it, and remembers what it read.
    ///
    /// - Parameters:
    ///   - raw: the request exactly as received (method and path or body): a repeat of a nonce-less
    ///     request is recognised by these bytes without decoding it.
    ///   - decode: the request, decoded.
    func plan(issuerID: String, raw: [UInt8], decode: () -> Input?) -> Plan? {
        guard let memory, let hashes = issuerHashes[issuerID] else { return nil }
        let generation = memory.generation
        // A request carrying the nonce OID is never a repeat; skip the lookup.
        let rawKey: [UInt8]? = Self.containsNonceOID(raw) ? nil : Array(issuerID.utf8) + [0] + raw
        if let rawKey, let stored = memory.response(request: rawKey) {
            return .stored(stored.answer)
        }
        guard let input = decode() else { return nil }
        let certID: OCSPCertID
        let nonce: Certificate.Extension?
        switch input {
        case .der(let der):
            guard der.count <= Self.maxRequestBytes else { return nil }
            let extensions: [Certificate.Extension]
            if let scanned = OCSPRequestScanner.scan(der) {
                (certID, extensions) = (scanned.certID, scanned.nonce.map { [$0] } ?? [])
            } else {
                guard let request = try? OCSPRequest(derBytes: der), request.certIDs.count == 1 else { return nil }
                (certID, extensions) = (request.certIDs[0], request.extensions)
            }
            do {
                nonce = try OCSPNonce.echo(from: extensions)
            } catch {
                return nil
            }
        case .serial(let hex):
            guard let serial = SerialNumberInteger(hex: hex), let built = sha1CertID(issuerID: issuerID, serial: serial) else { return nil }
            certID = built
            nonce = nil
        }
        guard Self.certID(certID, names: hashes) else { return nil }
        let serial = certID.serial.hex
        guard let nonce else {
            guard let found = memory.response(issuerID: issuerID, serial: serial, certID: certID.encoded) else { return nil }
            if found.refresh { refresher?.refresh(.response(issuerID: issuerID, serial: serial, certID: certID.encoded)) }
            if let rawKey { memory.index(request: rawKey, response: found.response, generation: generation) }
            return .stored(found.response.answer)
        }
        guard let known = memory.status(issuerID: issuerID, serial: serial),
            let responder = responders.ready(issuerID: issuerID)
        else { return nil }
        if known.refresh { refresher?.refresh(.status(issuerID: issuerID, serial: serial)) }
        return .sign(issuerID: issuerID, certID: certID, status: known.status, nonce: nonce, responder: responder)
    }

    static func containsNonceOID(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= OCSPNonce.oidDER.count else { return false }
        for start in 0...(bytes.count - OCSPNonce.oidDER.count) where bytes[start] == 0x06 {
            if bytes[start..<(start + OCSPNonce.oidDER.count)].elementsEqual(OCSPNonce.oidDER) { return true }
        }
        return false
    }

    /// The answer for a plan, counted like the full path's, and as `memory_hit`.
    func finish(_ plan: Plan) -> Answer {
        metrics.increment(.ocsp, "memory_hit")
        switch plan {
        case .stored(let answer):
            metrics.increment(.ocsp, "cache_hit")
            metrics.increment(.ocsp, "request_success")
            return answer
        case .sign(let issuerID, let certID, let status, let nonce, let responder):
            let window = responseWindow()
            let single = OCSPSingleResponse(
                certID: certID, status: counted(status), thisUpdate: window.thisUpdate, nextUpdate: window.nextUpdate)
            do {
                let der = try sign([single], nonce: nonce, producedAt: window.thisUpdate, by: responder, issuerID: issuerID)
                metrics.increment(.ocsp, "nonce_echoed")
                metrics.increment(.ocsp, "request_success")
                return Answer(der: der)
            } catch {
                return failure(error, issuerID: issuerID)
            }
        }
    }
}
