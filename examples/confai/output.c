/*
 * Printing: errors on stderr with the status name, results on stdout as
 * JSON or as indented text, and the exit code each status maps to.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void cli_error(const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "confai: %s: ", what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_exit_for_status(confai_status status)
{
    switch (confai_status_group_of(status)) {
    case CONFAI_GROUP_OK:
        return CLI_OK;
    case CONFAI_GROUP_ARGUMENT:
        /* Unsupported evidence is a rejection; other argument errors are ours. */
        return status == CONFAI_E_UNSUPPORTED ? CLI_REJECTED : CLI_INTERNAL;
    case CONFAI_GROUP_RESOURCE:
        return CLI_INTERNAL;
    case CONFAI_GROUP_PARSE:
    case CONFAI_GROUP_CRYPTO:
    case CONFAI_GROUP_ATTESTATION:
        return CLI_REJECTED;
    case CONFAI_GROUP_POLICY:
        return status == CONFAI_E_POLICY_INVALID ? CLI_IO : CLI_REJECTED;
    case CONFAI_GROUP_TRANSPORT:
        return status == CONFAI_E_NOT_SEALED ? CLI_REJECTED : CLI_TRANSPORT;
    case CONFAI_GROUP_PLATFORM: /* the server half's; a client never sees them */
        return CLI_INTERNAL;
    }
    return CLI_INTERNAL;
}

int cli_fail_status(const char *what, const confai_error *err)
{
    const char *msg = err->message[0] != '\0' ? err->message : confai_status_str(err->status);
    fprintf(stderr, "confai: %s: %s: %s\n", what, confai_status_name(err->status), msg);
    return cli_exit_for_status(err->status);
}

int cli_print_line(const char *text)
{
    if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        cli_error("output", "cannot write to stdout");
        return CLI_IO;
    }
    return CLI_OK;
}

/* --- text rendering of a JSON tree ------------------------------------------ */

static void print_scalar(const cJSON *item)
{
    if (cJSON_IsString(item))
        fputs(item->valuestring, stdout);
    else if (cJSON_IsBool(item))
        fputs(cJSON_IsTrue(item) ? "yes" : "no", stdout);
    else if (cJSON_IsNull(item))
        fputs("-", stdout);
    else if (cJSON_IsNumber(item))
        printf("%.0f", item->valuedouble);
}

static int all_scalars(const cJSON *array)
{
    for (const cJSON *e = array->child; e != NULL; e = e->next)
        if (cJSON_IsObject(e) || cJSON_IsArray(e))
            return 0;
    return 1;
}

static void print_text(const cJSON *item, int depth)
{
    size_t index = 0;
    for (const cJSON *e = item->child; e != NULL; e = e->next, index++) {
        printf("%*s", depth * 2, "");
        if (e->string != NULL)
            printf("%s:", e->string);
        else
            printf("[%zu]:", index);
        if (cJSON_IsObject(e)) {
            putchar('\n');
            print_text(e, depth + 1);
        } else if (cJSON_IsArray(e)) {
            if (cJSON_GetArraySize(e) == 0) {
                fputs(" (none)\n", stdout);
            } else if (all_scalars(e)) {
                const char *sep = " ";
                for (const cJSON *x = e->child; x != NULL; x = x->next) {
                    fputs(sep, stdout);
                    print_scalar(x);
                    sep = ", ";
                }
                putchar('\n');
            } else {
                putchar('\n');
                print_text(e, depth + 1);
            }
        } else {
            putchar(' ');
            print_scalar(e);
            putchar('\n');
        }
    }
}

int cli_print_json(const cJSON *item, int json)
{
    if (json) {
        char *text = cJSON_Print(item);
        if (text == NULL) {
            cli_error("output", "out of memory");
            return CLI_INTERNAL;
        }
        int rc = cli_print_line(text);
        cJSON_free(text);
        return rc;
    }
    print_text(item, 0);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("output", "cannot write to stdout");
        return CLI_IO;
    }
    return CLI_OK;
}

char *cli_hex(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = malloc(2 * len + 1);
    if (hex == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[data[i] >> 4];
        hex[2 * i + 1] = digits[data[i] & 0xf];
    }
    hex[2 * len] = '\0';
    return hex;
}

int cli_add_hex(cJSON *obj, const char *name, const uint8_t *data, size_t len)
{
    char *hex = cli_hex(data, len);
    cJSON *s = hex != NULL ? cJSON_AddStringToObject(obj, name, hex) : NULL;
    free(hex);
    return s != NULL;
}

int cli_format_time(char text[CLI_TIME_SIZE], int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    return t >= 0 && t <= INT64_C(253402300799) && gmtime_r(&tt, &tm) != NULL &&
           strftime(text, CLI_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == CLI_TIME_SIZE - 1;
}

int cli_add_time(cJSON *obj, const char *name, int64_t t)
{
    char text[CLI_TIME_SIZE];
    if (!cli_format_time(text, t))
        return cJSON_AddNumberToObject(obj, name, (double)t) != NULL;
    return cJSON_AddStringToObject(obj, name, text) != NULL;
}

int cli_print_json_text(const char *json)
{
    cJSON *doc = cJSON_Parse(json);
    int rc = doc != NULL ? cli_print_json(doc, 1) : cli_print_line(json);
    cJSON_Delete(doc);
    return rc;
}
