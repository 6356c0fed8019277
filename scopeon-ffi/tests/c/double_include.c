/* The header must survive being included twice in one translation unit (include guard, no
 * definitions), in C and in C++. */
#include "scopeon.h"
#include "scopeon.h"

#include "double_include.h"

uint32_t scopeon_test_header_abi_version(void) {
    ScopeonStatus (*functions[])(char **) = {scopeon_last_error};
    (void)functions;
    return SCOPEON_ABI_VERSION;
}
