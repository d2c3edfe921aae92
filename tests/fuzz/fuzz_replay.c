/*
 * Standalone driver for the fuzz targets: runs LLVMFuzzerTestOneInput once
 * over every file named on the command line and every regular file inside
 * the directories named there (not recursive; names starting with a dot are
 * skipped). It needs no fuzzing engine, so `meson test` replays the checked-in
 * corpus with any compiler; a finding abort()s like it would under libFuzzer.
 *
 *   fuzz_<name> [file-or-directory...]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Reads a whole file into a block of exactly its size; NULL on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *data = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            cap = cap ? 2 * cap : 4096;
            uint8_t *bigger = realloc(data, cap);
            if (bigger == NULL)
                goto fail;
            data = bigger;
        }
        size_t n = fread(data + used, 1, cap - used, f);
        used += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    /* Exact size, so that AddressSanitizer sees reads past the input. */
    uint8_t *exact = malloc(used ? used : 1);
    if (exact == NULL) {
        free(data);
        return NULL;
    }
    memcpy(exact, data, used);
    free(data);
    *len = used;
    return exact;
fail:
    free(data);
    fclose(f);
    return NULL;
}

static int run_file(const char *path)
{
    size_t len;
    uint8_t *data = read_file(path, &len);
    if (data == NULL) {
        fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

/* Runs every regular file of a directory; returns how many, -1 on error. */
static long run_directory(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "fuzz_replay: cannot open %s\n", dir);
        return -1;
    }
    long count = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + 1 + strlen(entry->d_name) + 1;
        char *path = malloc(len);
        if (path == NULL) {
            count = -1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, entry->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(path) != 0)
                count = -1;
            else if (count >= 0)
                count++;
        }
        free(path);
    }
    closedir(d);
    return count;
}

int main(int argc, char **argv)
{
    long total = 0;
    int failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "fuzz_replay: no such file or directory: %s\n",
                    argv[i]);
            failed = 1;
            continue;
        }
        long n = S_ISDIR(st.st_mode) ? run_directory(argv[i])
                                     : (run_file(argv[i]) == 0 ? 1 : -1);
        if (n < 0)
            failed = 1;
        else
            total += n;
    }
    /* The empty input is always worth one run. */
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    printf("%s: %ld inputs replayed%s\n", argv[0], total,
           failed ? ", some could not be read" : "");
    return failed ? 1 : 0;
}
