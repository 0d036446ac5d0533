import CPKCS11
import ConnectorAPI
import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// Object lookups and attribute reads inside a session.
enum PKCS11Objects {
    /// The one object of `objectClass` matching the URI's `object=` label and/or `id=`.
    static func find(_ f: PKCS11Functions, _ session: CK_SESSION_HANDLE, _ uri: PKCS11URI, objectClass: CK_OBJECT_CLASS) throws
        -> CK_OBJECT_HANDLE?
    {
        var classValue = objectClass
        var label = Array((uri.object ?? "").utf8)
        var id = uri.id ?? []
        return try withUnsafeMutableBytes(of: &classValue) { classBytes in
            try label.withUnsafeMutableBytes { labelBytes in
                try id.withUnsafeMutableBytes { idBytes in
                    var template = [
                        CK_ATTRIBUTE(
                            type: CK_ATTRIBUTE_TYPE(CKA_CLASS), pValue: classBytes.baseAddress, ulValueLen: CK_ULONG(classBytes.count))
                    ]
                    if uri.object != nil {
                        template.append(
                            CK_ATTRIBUTE(
                                type: CK_ATTRIBUTE_TYPE(CKA_LABEL), pValue: labelBytes.baseAddress, ulValueLen: CK_ULONG(labelBytes.count)))
                    }
                    if uri.id != nil {
                        template.append(
                            CK_ATTRIBUTE(type: CK_ATTRIBUTE_TYPE(CKA_ID), pValue: idBytes.baseAddress, ulValueLen: CK_ULONG(idBytes.count)))
                    }
                    try rv(f.C_FindObjectsInit(session, &template, CK_ULONG(template.count)), "C_FindObjectsInit")
                    defer { _ = f.C_FindObjectsFinal(session) }
                    var handles = [CK_OBJECT_HANDLE](repeating: 0, count: 2)
                    var count: CK_ULONG = 0
                    try rv(f.C_FindObjects(session, &handles, 2, &count), "C_FindObjects")
                    guard count <= 1 else {
                        throw ConnectorError.invalidConfiguration("key_uri matches more than one key; add id= or object=")
                    }
                    return count == 1 ? handles[0] : nil
                }
            }
        }
    }

    /// An attribute's raw value.
    static func attribute(_ f: PKCS11Functions, _ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE, _ type: Int) throws -> [UInt8] {
        var template = CK_ATTRIBUTE(type: CK_ATTRIBUTE_TYPE(type), pValue: nil, ulValueLen: 0)
        try rv(f.C_GetAttributeValue(session, object, &template, 1), "C_GetAttributeValue")
        var value = [UInt8](repeating: 0, count: Int(template.ulValueLen))
        try value.withUnsafeMutableBytes { bytes in
            template.pValue = bytes.baseAddress
            try rv(f.C_GetAttributeValue(session, object, &template, 1), "C_GetAttributeValue")
        }
        return value
    }

    static func bool(_ f: PKCS11Functions, _ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE, _ type: Int) throws -> Bool {
        try attribute(f, session, object, type).first == 1
    }

    /// The key pair's public key, from its public-key object (EC: CKA_EC_PARAMS + DER-wrapped
    /// CKA_EC_POINT; RSA: modulus and exponent).
    static func publicKey(_ f: PKCS11Functions, _ session: CK_SESSION_HANDLE, _ uri: PKCS11URI) throws -> Certificate.PublicKey {
        guard let object = try find(f, session, uri, objectClass: CK_OBJECT_CLASS(CKO_PUBLIC_KEY)) else {
            throw ConnectorError.invalidConfiguration("no public-key object matches key_uri (needed to read the CA public key)")
        }
        let keyType = try attribute(f, session, object, Int(CKA_KEY_TYPE))
        let type = keyType.withUnsafeBytes { $0.load(as: CK_KEY_TYPE.self) }
        if type == CK_KEY_TYPE(CKK_EC) {
            let params = try ASN1ObjectIdentifier(derEncoded: try attribute(f, session, object, Int(CKA_EC_PARAMS))[...])
            let pointNode = try DER.parse(try attribute(f, session, object, Int(CKA_EC_POINT)))
            guard case .primitive(let point) = pointNode.content else {
                throw ConnectorError(.internalFailure, "CKA_EC_POINT is not an OCTET STRING")
            }
            switch params {
            case [1, 2, 840, 10045, 3, 1, 7]: return Certificate.PublicKey(try P256.Signing.PublicKey(x963Representation: point))
            case [1, 3, 132, 0, 34]: return Certificate.PublicKey(try P384.Signing.PublicKey(x963Representation: point))
            default: throw ConnectorError.invalidConfiguration("unsupported EC curve \(params) (P-256 and P-384 are supported)")
            }
        }
        if type == CK_KEY_TYPE(CKK_RSA) {
            let modulus = try attribute(f, session, object, Int(CKA_MODULUS))
            let exponent = try attribute(f, session, object, Int(CKA_PUBLIC_EXPONENT))
            return Certificate.PublicKey(try _RSA.Signing.PublicKey(n: modulus, e: exponent))
        }
        throw ConnectorError.invalidConfiguration("unsupported key type in the token (EC P-256/P-384 and RSA are supported)")
    }

    static func rv(_ value: CK_RV, _ operation: String) throws {
        guard value == CK_RV(CKR_OK) else { throw RVError(rv: value, operation: operation) }
    }
}
