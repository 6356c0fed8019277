#ifndef SCOPEON_TEST_DOUBLE_INCLUDE_H
#define SCOPEON_TEST_DOUBLE_INCLUDE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SCOPEON_ABI_VERSION as seen by double_include.c, which includes scopeon.h twice. */
uint32_t scopeon_test_header_abi_version(void);

#ifdef __cplusplus
}
#endif

#endif
