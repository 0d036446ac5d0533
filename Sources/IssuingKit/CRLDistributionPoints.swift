import SwiftASN1
import X509

/// RFC 5280 §4.2.1.13 CRL Distribution Points, with one full-name URI per distribution point:
///
/// ```
/// CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint
/// DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL, … }
/// DistributionPointName ::= CHOICE { fullName [0] GeneralNames, … }
/// ```
///
/// swift-certificates has no type for this extension. `[0] DistributionPointName` tags a CHOICE, so
/// it is explicit; `fullName [0] GeneralNames` is implicit.
public struct CRLDistributionPoints: DERSerializable, Sendable, Hashable {
    public static let oid: ASN1ObjectIdentifier = [2, 5, 29, 31]

    public var uris: [String]

    public init(uris: [String]) {
        precondition(!uris.isEmpty, "an empty CRL Distribution Points extension is invalid")
        self.uris = uris
    }

    public func serialize(into coder: inout DER.Serializer) throws {
        let tag0 = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            for uri in uris {
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.appendConstructedNode(identifier: tag0) { coder in
                        try coder.appendConstructedNode(identifier: tag0) { coder in
                            try coder.serialize(GeneralName.uniformResourceIdentifier(uri))
                        }
                    }
                }
            }
        }
    }

    /// The extension, non-critical as RFC 5280 recommends.
    public func makeExtension() throws -> Certificate.Extension {
        var coder = DER.Serializer()
        try coder.serialize(self)
        return Certificate.Extension(oid: Self.oid, critical: false, value: coder.serializedBytes[...])
    }
}
