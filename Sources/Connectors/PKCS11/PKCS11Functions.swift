import CPKCS11
import ConnectorAPI

/// The module's functions that certctl calls, checked once when the module is loaded.
///
/// A module's function list may leave entries NULL for functions it does not implement. Every
/// entry certctl needs is unwrapped here, so a module without one fails to load with an error
/// naming the function (`CKR_FUNCTION_NOT_SUPPORTED`) instead of crashing the process at the
/// first call. The two that only help recovery, `C_Finalize` and `C_CloseAllSessions`, may be absent.
// swift-format-ignore: AlwaysUseLowerCamelCase
// The members keep the standard's names (`C_Sign`), as the function list does.
struct PKCS11Functions: @unchecked Sendable {
    // @unchecked: C function pointers, immutable after load; the module was initialised with
    // CKF_OS_LOCKING_OK, so they may be called from any thread.
    let C_Initialize: CK_C_Initialize
    let C_Finalize: CK_C_Finalize?
    let C_GetSlotList: CK_C_GetSlotList
    let C_GetTokenInfo: CK_C_GetTokenInfo
    let C_OpenSession: CK_C_OpenSession
    let C_CloseSession: CK_C_CloseSession
    let C_CloseAllSessions: CK_C_CloseAllSessions?
    let C_Login: CK_C_Login
    let C_FindObjectsInit: CK_C_FindObjectsInit
    let C_FindObjects: CK_C_FindObjects
    let C_FindObjectsFinal: CK_C_FindObjectsFinal
    let C_GetAttributeValue: CK_C_GetAttributeValue
    let C_SignInit: CK_C_SignInit
    let C_Sign: CK_C_Sign

    /// - Throws: `invalidConfiguration` naming `path` and the first function the module lacks.
    init(_ list: CK_FUNCTION_LIST, path: String) throws {
        func required<F>(_ function: F?, _ name: String) throws -> F {
            guard let function else {
                throw ConnectorError.invalidConfiguration(
                    "PKCS#11 module \(path) does not implement \(name) (CKR_FUNCTION_NOT_SUPPORTED), which certctl needs")
            }
            return function
        }
        C_Initialize = try required(list.C_Initialize, "C_Initialize")
        C_Finalize = list.C_Finalize
        C_GetSlotList = try required(list.C_GetSlotList, "C_GetSlotList")
        C_GetTokenInfo = try required(list.C_GetTokenInfo, "C_GetTokenInfo")
        C_OpenSession = try required(list.C_OpenSession, "C_OpenSession")
        C_CloseSession = try required(list.C_CloseSession, "C_CloseSession")
        C_CloseAllSessions = list.C_CloseAllSessions
        C_Login = try required(list.C_Login, "C_Login")
        C_FindObjectsInit = try required(list.C_FindObjectsInit, "C_FindObjectsInit")
        C_FindObjects = try required(list.C_FindObjects, "C_FindObjects")
        C_FindObjectsFinal = try required(list.C_FindObjectsFinal, "C_FindObjectsFinal")
        C_GetAttributeValue = try required(list.C_GetAttributeValue, "C_GetAttributeValue")
        C_SignInit = try required(list.C_SignInit, "C_SignInit")
        C_Sign = try required(list.C_Sign, "C_Sign")
    }
}
