import Foundation
import SwiftASN1
import X509

/// The contents of an end-entity certificate before it is signed: what ``PreIssuanceLint``
/// checks and what ``SignerBackedIssuer`` then signs, unchanged.
public struct CertificateDraft: Sendable {
    public var serialNumber: Certificate.SerialNumber
    public var publicKey: Certificate.PublicKey
    public var notValidBefore: Date
    public var notValidAfter: Date
    public var subject: DistinguishedName
    /// In order. An array, not `Certificate.Extensions`, so a duplicate can exist to be found.
    public var extensions: [Certificate.Extension]

    public init(
        serialNumber: Certificate.SerialNumber, publicKey: Certificate.PublicKey, notValidBefore: Date, notValidAfter: Date,
        subject: DistinguishedName, extensions: [Certificate.Extension]
    ) {
        self.serialNumber = serialNumber
        self.publicKey = publicKey
        self.notValidBefore = notValidBefore
        self.notValidAfter = notValidAfter
        self.subject = subject
        self.extensions = extensions
    }

    /// The first extension with `oid`.
    public subscript(oid: ASN1ObjectIdentifier) -> Certificate.Extension? {
        extensions.first { $0.oid == oid }
    }
}
