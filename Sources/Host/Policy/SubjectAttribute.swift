import SwiftASN1
import X509

/// Subject attributes a profile may list in `subject_attributes` (CN is always allowed, and must
/// be one of the SANs).
enum SubjectAttribute: String, Sendable, CaseIterable {
    case country = "C"
    case stateOrProvince = "ST"
    case locality = "L"
    case street = "STREET"
    case organization = "O"
    case organizationalUnit = "OU"
    case domainComponent = "DC"
    case serialNumber
    case userID = "UID"
    case title
    case emailAddress

    var oid: ASN1ObjectIdentifier {
        switch self {
        case .country: .RDNAttributeType.countryName
        case .stateOrProvince: .RDNAttributeType.stateOrProvinceName
        case .locality: .RDNAttributeType.localityName
        case .street: .RDNAttributeType.streetAddress
        case .organization: .RDNAttributeType.organizationName
        case .organizationalUnit: .RDNAttributeType.organizationalUnitName
        case .domainComponent: .RDNAttributeType.domainComponent
        case .serialNumber: [2, 5, 4, 5]
        case .userID: [0, 9, 2342, 19_200_300, 100, 1, 1]
        case .title: [2, 5, 4, 12]
        case .emailAddress: .RDNAttributeType.emailAddress
        }
    }

    /// The attribute for a config name, case-insensitively (`o`, `O`).
    init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = match
    }

    /// The attribute with this OID, if it is one certctl knows.
    init?(oid: ASN1ObjectIdentifier) {
        guard let match = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = match
    }
}

/// An EKU a profile may set (`ext_key_usage`).
enum ProfileEKU: String, Sendable, CaseIterable {
    case serverAuth, clientAuth, codeSigning, emailProtection, timeStamping

    var usage: ExtendedKeyUsage.Usage {
        switch self {
        case .serverAuth: .serverAuth
        case .clientAuth: .clientAuth
        case .codeSigning: .codeSigning
        case .emailProtection: .emailProtection
        case .timeStamping: .timeStamping
        }
    }
}
