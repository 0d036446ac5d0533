import ConnectorAPI
import Foundation
import SwiftASN1
import X509

/// One `revokedCertificates` entry (RFC 5280 §5.1.2.6):
/// `SEQUENCE { userCertificate INTEGER, revocationDate Time, crlEntryExtensions Extensions OPTIONAL }`.
/// The reason code extension is omitted for `unspecified`, as §5.3.1 recommends.
struct RevokedCertificateEntry: DERSerializable, Sendable, Hashable {
    var serial: SerialNumberInteger
    var revocationDate: Date
    var reason: RevocationReason

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(serial)
            try coder.serialize(X509Time(revocationDate))
            if reason != .unspecified {
                try coder.serialize(ExtensionList(extensions: [try CRLReasonCode(reason).makeExtension()]))
            }
        }
    }
}
