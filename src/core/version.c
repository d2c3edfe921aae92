/* The library's version, for callers that cannot read the macros. */
#include <confai/confai.h>

const char *confai_version(void)
{
    return CONFAI_VERSION_STRING;
}

uint32_t confai_version_number(void)
{
    return CONFAI_VERSION_NUMBER;
}
