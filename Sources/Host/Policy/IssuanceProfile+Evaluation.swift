import ConnectorSupport
import SwiftASN1
import X509

extension IssuanceProfile {
    /// Decides a CSR (signature already verified) against this profile and `issuer`'s limits.
    ///
    /// In order: key type (422); every SAN valid and of an allowed type (400, 403); the SAN count;
    /// the subject's attributes and CN (400, 403); each name against the deny then the allow lists
    /// (403); the validity (422). The first failure is the answer.
    public func evaluate(_ csr: CertificateSigningRequest, issuer: IssuerSettings, validityDays: Int?) throws(PolicyRefusal)
        -> IssuanceApproval
    {
        guard let keyType = KeyType(csr.publicKey), keyTypes.contains(keyType) else {
            let name = KeyType(csr.publicKey)?.rawValue ?? "this key"
            throw PolicyRefusal(
                .keyType, value: name, "profile \(id) allows \(keyTypes.map(\.rawValue).joined(separator: ", "))")
        }
        let names = try Self.requestedNames(csr, allowUnderscores: names.allowUnderscores)
        guard names.count <= self.names.maxSANs else {
            throw PolicyRefusal(.maxSANs, value: "\(names.count) names", "profile \(id) allows at most \(self.names.maxSANs)")
        }
        let subject = try checkedSubject(csr.subject, names: names)
        for name in names { try self.names.check(name, profile: id) }
        let (validity, maxValidity) = try validitySeconds(days: validityDays, issuer: issuer)
        return IssuanceApproval(
            profile: self, subject: subject, names: names, extendedKeyUsage: extendedKeyUsage.map(\.usage), keyType: keyType,
            validitySeconds: validity, maxValiditySeconds: maxValidity)
    }

    /// The CSR's SANs, validated, without duplicates.
    static func requestedNames(_ csr: CertificateSigningRequest, allowUnderscores: Bool) throws(PolicyRefusal) -> [RequestedName] {
        let sans: SubjectAlternativeNames?
        do {
            sans = try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames
        } catch {
            let raw = (try? csr.attributes.extensionRequest)??.extensions[oid: .X509ExtensionID.subjectAlternativeName]
            if let raw, let refusal = RawSubjectAltNames.firstInvalid(raw.value) { throw refusal }
            throw PolicyRefusal(.invalidName, value: "", "the CSR's extension request or subjectAltName cannot be parsed")
        }
        var names: [RequestedName] = []
        for generalName in sans ?? SubjectAlternativeNames() {
            let name: RequestedName
            do {
                name = try RequestedName(generalName, allowUnderscores: allowUnderscores)
            } catch let refusal as PolicyRefusal {
                throw refusal
            } catch {
                throw PolicyRefusal(.invalidName, value: "", "a subjectAltName cannot be read")
            }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The subject, with only allowed attributes, printable values, and a CN that is a SAN.
    func checkedSubject(_ subject: DistinguishedName, names: [RequestedName]) throws(PolicyRefusal) -> DistinguishedName {
        var commonName: String?
        var changed = false
        var rebuilt: [RelativeDistinguishedName] = []
        for rdn in subject {
            var attributes: [RelativeDistinguishedName.Attribute] = []
            for attribute in rdn {
                let isCN = attribute.type == .RDNAttributeType.commonName
                let label = isCN ? "CN" : SubjectAttribute(oid: attribute.type)?.rawValue ?? attribute.type.description
                guard let text = String(attribute.value) else {
                    throw PolicyRefusal(.invalidName, value: label, "the subject attribute is not a string")
                }
                guard !text.isEmpty, !PolicyRefusal.hasControlCharacter(text) else {
                    throw PolicyRefusal(.invalidName, value: "\(label)=\(PolicyRefusal.shown(text))", "empty or has a control character")
                }
                if isCN {
                    guard commonName == nil else { throw PolicyRefusal(.subjectAttribute, value: "CN", "the subject has more than one CN") }
                    commonName = text
                    if let dns = names.first(where: { $0.kind == .dns && $0.isSpelled(by: text) }), dns.description != text {
                        attributes.append(.init(type: .RDNAttributeType.commonName, utf8String: dns.description))
                        changed = true
                        continue
                    }
                } else if let allowed = subjectAttributes {
                    guard let known = SubjectAttribute(oid: attribute.type), allowed.contains(known) else {
                        throw PolicyRefusal(
                            .subjectAttribute, value: "\(label)=\(PolicyRefusal.shown(text))",
                            "profile \(id) does not allow this subject attribute")
                    }
                }
                attributes.append(attribute)
            }
            rebuilt.append(RelativeDistinguishedName(attributes))
        }
        if names.isEmpty && commonName == nil {
            throw PolicyRefusal(.noNames, value: "", "the CSR has neither a subjectAltName nor a CN")
        }
        if let commonName, commonNameMustBeSAN, !names.contains(where: { $0.isSpelled(by: commonName) }) {
            throw PolicyRefusal(.commonNameNotSAN, value: "CN=\(PolicyRefusal.shown(commonName))", "the CN must also be one of the SANs")
        }
        return changed ? DistinguishedName(rebuilt) : subject
    }

    /// The validity to issue with, and the longest allowed: the profile's, capped by the issuer's.
    func validitySeconds(days: Int?, issuer: IssuerSettings) throws(PolicyRefusal) -> (Int64, Int64) {
        let maxSeconds = min(maxValiditySeconds ?? issuer.maxValiditySeconds, issuer.maxValiditySeconds)
        let defaultSeconds = min(defaultValiditySeconds ?? issuer.defaultValiditySeconds, maxSeconds)
        guard let days else { return (defaultSeconds, maxSeconds) }
        guard days >= 1 else { throw PolicyRefusal(.validity, value: "validity_days \(days)", "must be a positive integer") }
        guard Int64(days) <= maxSeconds / 86_400 else {
            throw PolicyRefusal(
                .validity, value: "validity_days \(days)",
                "over the maximum of \(maxSeconds / 86_400) days (profile \(id), issuer \(issuer.id))")
        }
        return (Int64(days) * 86_400, maxSeconds)
    }
}
