// PKCS#11 (Cryptoki) types and constants from p11-kit's header, in its compatibility mode
// (standard field names such as pValue/ulValueLen). Modules are dlopen()ed at run time.
#include <p11-kit/pkcs11.h>
#include <dlfcn.h>
