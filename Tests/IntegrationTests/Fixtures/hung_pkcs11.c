/* A PKCS#11 module whose token logs in fine but whose C_Sign never returns: the integration tests
 * use it to show that a hung module cannot stall certctl (per-call timeout). With HUNG_PKCS11_NULL
 * set to a function name (e.g. C_Sign) that entry of the function list is left NULL, as a module
 * that does not implement it would. Built by the test with cc. */
#include <p11-kit/pkcs11.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static CK_RV initialize(void *args) { (void)args; return CKR_OK; }
static CK_RV finalize(void *reserved) { (void)reserved; return CKR_OK; }
static CK_RV slot_list(CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *count) {
    (void)present;
    if (list) list[0] = 1;
    *count = 1;
    return CKR_OK;
}
static CK_RV token_info(CK_SLOT_ID slot, CK_TOKEN_INFO *info) {
    (void)slot;
    memset(info, ' ', sizeof *info);
    memcpy(info->label, "hung", 4);
    return CKR_OK;
}
static CK_RV open_session(CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify, CK_SESSION_HANDLE *session) {
    (void)slot; (void)flags; (void)app; (void)notify;
    *session = 1;
    return CKR_OK;
}
static CK_RV close_session(CK_SESSION_HANDLE session) { (void)session; return CKR_OK; }
static CK_RV close_all(CK_SLOT_ID slot) { (void)slot; return CKR_OK; }
static CK_RV login(CK_SESSION_HANDLE s, CK_USER_TYPE u, unsigned char *pin, CK_ULONG len) { (void)s; (void)u; (void)pin; (void)len; return CKR_OK; }
static CK_RV find_init(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n) { (void)s; (void)t; (void)n; return CKR_OK; }
static CK_RV find(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *objects, CK_ULONG max, CK_ULONG *count) {
    (void)s; (void)max;
    objects[0] = 7;
    *count = 1;
    return CKR_OK;
}
static CK_RV find_final(CK_SESSION_HANDLE s) { (void)s; return CKR_OK; }
static CK_RV sign_init(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE k) { (void)s; (void)m; (void)k; return CKR_OK; }
static CK_RV sign(CK_SESSION_HANDLE s, unsigned char *d, CK_ULONG dl, unsigned char *sig, CK_ULONG *sl) {
    (void)s; (void)d; (void)dl; (void)sig; (void)sl;
    for (;;) sleep(3600);
    return CKR_GENERAL_ERROR;
}

static CK_RV get_attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE *t, CK_ULONG n) {
    (void)s; (void)o; (void)t; (void)n;
    return CKR_FUNCTION_FAILED;
}

static CK_FUNCTION_LIST functions;

/* NULL when HUNG_PKCS11_NULL names this function. */
#define ENTRY(name, function) (getenv("HUNG_PKCS11_NULL") && strcmp(getenv("HUNG_PKCS11_NULL"), #name) == 0 ? NULL : (function))

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **list) {
    functions.version.major = 2;
    functions.version.minor = 40;
    functions.C_Initialize = ENTRY(C_Initialize, initialize);
    functions.C_Finalize = ENTRY(C_Finalize, finalize);
    functions.C_GetSlotList = ENTRY(C_GetSlotList, slot_list);
    functions.C_GetTokenInfo = ENTRY(C_GetTokenInfo, token_info);
    functions.C_OpenSession = ENTRY(C_OpenSession, open_session);
    functions.C_CloseSession = ENTRY(C_CloseSession, close_session);
    functions.C_CloseAllSessions = ENTRY(C_CloseAllSessions, close_all);
    functions.C_Login = ENTRY(C_Login, login);
    functions.C_FindObjectsInit = ENTRY(C_FindObjectsInit, find_init);
    functions.C_FindObjects = ENTRY(C_FindObjects, find);
    functions.C_FindObjectsFinal = ENTRY(C_FindObjectsFinal, find_final);
    functions.C_SignInit = ENTRY(C_SignInit, sign_init);
    functions.C_Sign = ENTRY(C_Sign, sign);
    functions.C_GetAttributeValue = ENTRY(C_GetAttributeValue, get_attribute);
    *list = &functions;
    return CKR_OK;
}
