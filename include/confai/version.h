/*
 * libconfai version macros. The version is defined here and only here:
 * meson.build reads these three numbers (the library's version, its
 * pkg-config files).
 */
#ifndef CONFAI_VERSION_H
#define CONFAI_VERSION_H

#define CONFAI_VERSION_MAJOR 0
#define CONFAI_VERSION_MINOR 1
#define CONFAI_VERSION_PATCH 0

#define CONFAI_VERSION_STRINGIFY_(x) #x
#define CONFAI_VERSION_STRINGIFY(x) CONFAI_VERSION_STRINGIFY_(x)
/* "MAJOR.MINOR.PATCH" */
#define CONFAI_VERSION_STRING                       \
    CONFAI_VERSION_STRINGIFY(CONFAI_VERSION_MAJOR) "." \
    CONFAI_VERSION_STRINGIFY(CONFAI_VERSION_MINOR) "." \
    CONFAI_VERSION_STRINGIFY(CONFAI_VERSION_PATCH)

/* 0xMMmmpp: one byte each for major, minor and patch. */
#define CONFAI_VERSION_NUMBER \
    ((CONFAI_VERSION_MAJOR << 16) | (CONFAI_VERSION_MINOR << 8) | CONFAI_VERSION_PATCH)

#endif /* CONFAI_VERSION_H */
