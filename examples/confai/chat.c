/*
 * confai chat --url URL --policy POLICY [--model M] [PROMPT]: one chat
 * completion with the attested service, sealed; the answer is written to
 * stdout as it arrives (confai_client_chat). The prompt comes from stdin
 * when it is not given. Without --model, the first model the service lists
 * (GET /v1/models, sealed as well) is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client_common.h"

static const char chat_usage[] =
    "usage: confai chat --url URL --policy POLICY [--model M] [--system TEXT]\n"
    "                   [--ca-file PEM] [PROMPT]\n"
    "\n"
    "Attests the service, then sends PROMPT (or stdin, when PROMPT is absent)\n"
    "as an OpenAI-compatible chat completion sealed to the attested key. The\n"
    "answer streams to stdout as it arrives; only authenticated text is ever\n"
    "printed, and an answer that was cut or altered ends with an error.\n"
    "\n"
    "  --url URL          the service's base URL (http or https)\n"
    "  --policy POLICY    the policy (JSON file, doc/policy.md)\n"
    "  --model M          the model (default: the first of GET /v1/models)\n"
    "  --system TEXT      a system message before the prompt\n"
    "  --ca-file PEM      CA bundle for https instead of the system's\n"
    "\n"
    "Exit: 0 complete answer, 1 rejected (attestation or integrity), 2 usage,\n"
    "      3 input, 4 transport (or the service answered an error), 5 internal.\n";

/* Writes each piece as it comes; a failed write cancels the stream. */
static int on_delta(void *user, const char *text, size_t len)
{
    int *wrote = user;
    if (len > 0 && fwrite(text, 1, len, stdout) != len)
        return 1;
    if (fflush(stdout) != 0)
        return 1;
    *wrote = 1;
    return 0;
}

/* The first model id of GET /v1/models, sealed like every request. */
static int first_model(confai_client *client, char **model)
{
    confai_http_message *req = NULL, *resp = NULL;
    confai_error err = { 0 };
    int rc = CLI_OK;

    *model = NULL;
    if (confai_http_message_new_request(&req, "GET", "https", "localhost", "/v1/models",
                                        &err) != CONFAI_OK ||
        confai_http_message_add_field(req, CONFAI_HTTP_HEADERS, "accept", "application/json",
                                      &err) != CONFAI_OK) {
        rc = cli_fail_status("chat", &err);
        goto out;
    }
    if (confai_client_fetch(client, &resp, req, &err) != CONFAI_OK) {
        rc = cli_fail_status("chat: listing models", &err);
        goto out;
    }
    size_t len = 0;
    const uint8_t *body = confai_http_message_body(resp, &len);
    cJSON *doc = confai_http_message_status(resp) == 200 && body != NULL
                     ? cJSON_ParseWithLength((const char *)body, len)
                     : NULL;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
    const cJSON *first = cJSON_IsArray(data) ? data->child : NULL;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(first, "id");
    if (cJSON_IsString(id) && id->valuestring[0] != '\0')
        *model = strdup(id->valuestring);
    cJSON_Delete(doc);
    if (*model == NULL) {
        cli_error("chat", "the service lists no model (HTTP %u); give --model",
                  confai_http_message_status(resp));
        rc = CLI_TRANSPORT;
    }
out:
    confai_http_message_free(req);
    confai_http_message_free(resp);
    return rc;
}

static char *request_json(const char *model, const char *system, const char *prompt)
{
    cJSON *req = cJSON_CreateObject();
    cJSON *msgs = NULL;
    char *text = NULL;
    int ok = req != NULL && cJSON_AddStringToObject(req, "model", model) &&
             (msgs = cJSON_AddArrayToObject(req, "messages")) != NULL;
    const char *roles[2] = { "system", "user" };
    const char *contents[2] = { system, prompt };
    for (int i = 0; ok && i < 2; i++) {
        if (contents[i] == NULL)
            continue;
        cJSON *m = cJSON_CreateObject();
        if (m == NULL || !cJSON_AddItemToArray(msgs, m)) {
            cJSON_Delete(m);
            ok = 0;
            break;
        }
        ok = cJSON_AddStringToObject(m, "role", roles[i]) &&
             cJSON_AddStringToObject(m, "content", contents[i]);
    }
    ok = ok && cJSON_AddTrueToObject(req, "stream");
    if (ok)
        text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    return text;
}

static int chat(cli_client *c, const char *model_arg, const char *system, const char *prompt)
{
    confai_verdict *verdict = NULL;
    confai_error err = { 0 };
    char *model = NULL;
    char *json = NULL;
    int wrote = 0;
    int rc;

    /* Attest first, so a custom root is announced before any answer. */
    if (confai_client_verdict(c->client, &verdict, &err) != CONFAI_OK)
        return cli_fail_status("chat: attestation", &err);
    cli_root_warning(verdict);
    confai_verdict_free(verdict);

    if (model_arg == NULL && (rc = first_model(c->client, &model)) != CLI_OK)
        return rc;
    json = request_json(model_arg != NULL ? model_arg : model, system, prompt);
    free(model);
    if (json == NULL) {
        cli_error("chat", "out of memory");
        return CLI_INTERNAL;
    }
    confai_status st = confai_client_chat(c->client, json, strlen(json), on_delta, &wrote, &err);
    OPENSSL_cleanse(json, strlen(json));
    cJSON_free(json);
    if (wrote)
        putchar('\n'); /* end the answer's line, whatever happened */
    if (fflush(stdout) != 0) {
        cli_error("chat", "cannot write to stdout");
        return CLI_IO;
    }
    if (st == CONFAI_E_CANCELLED && ferror(stdout)) {
        cli_error("chat", "cannot write to stdout");
        return CLI_IO;
    }
    if (st != CONFAI_OK) {
        rc = cli_fail_status("chat", &err);
        if (st == CONFAI_E_HTTP_STATUS)
            rc = CLI_TRANSPORT;
        return rc;
    }
    return CLI_OK;
}

int cli_chat(int argc, char **argv)
{
    cli_client_args args = { 0 };
    const char *model = NULL, *system = NULL, *prompt = NULL;
    cli_blob input = { 0 };
    cli_client c;
    int rc;

    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            fputs(chat_usage, stdout);
            return CLI_OK;
        }
        if ((r = cli_client_option(&args, argc, argv, &i)) != 0 ||
            (r = cli_option(argc, argv, &i, "--model", &model)) != 0 ||
            (r = cli_option(argc, argv, &i, "--system", &system)) != 0) {
            if (r < 0)
                return CLI_USAGE;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("usage", "chat: unknown option %s", argv[i]);
            fputs(chat_usage, stderr);
            return CLI_USAGE;
        }
        if (prompt != NULL) {
            cli_error("usage", "chat: one PROMPT only (quote it)");
            return CLI_USAGE;
        }
        prompt = argv[i];
    }
    if (prompt == NULL) {
        if (!cli_read_file("-", &input))
            return CLI_IO;
        if (strlen((const char *)input.data) != input.len) {
            cli_error("chat", "the prompt contains a NUL byte");
            cli_blob_free(&input);
            return CLI_IO;
        }
        /* the line end a terminal or echo adds is no part of the prompt */
        while (input.len > 0 && (input.data[input.len - 1] == '\n' ||
                                 input.data[input.len - 1] == '\r'))
            input.data[--input.len] = 0;
        prompt = (const char *)input.data; /* NUL-terminated by cli_read_file */
    }
    if ((rc = cli_client_open(&c, &args)) == CLI_OK) {
        rc = chat(&c, model, system, prompt);
        cli_client_close(&c);
    } else if (rc == CLI_USAGE) {
        fputs(chat_usage, stderr);
    }
    cli_blob_free(&input);
    return rc;
}
