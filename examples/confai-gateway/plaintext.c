/*
 * The benchmark baseline (--plaintext-for-benchmarks): POST /plain/<path>
 * answered by the same model code as a sealed request, but in plaintext, so
 * the end-to-end benchmark can measure what sealing adds on the same server.
 * Off unless asked for; never part of the protocol.
 */
#include <string.h>

#include <microhttpd.h>

#include "gateway.h"

int plaintext_respond(const gw_config *cfg, struct MHD_Connection *conn, gw_request *req)
{
    confai_http_message *inner = NULL, *answer = NULL;
    confai_error err;
    const char *path = req->url + strlen("/plain");
    int rc;
    if (confai_http_message_new_request(&inner, req->method, "https", "localhost", path, &err) !=
            CONFAI_OK ||
        confai_http_message_add_field(inner, CONFAI_HTTP_HEADERS, "content-type",
                                      req->media_type[0] != '\0' ? req->media_type
                                                                 : "application/json",
                                      &err) != CONFAI_OK ||
        confai_http_message_set_body(inner, req->body, req->body_len, &err) != CONFAI_OK) {
        confai_http_message_free(inner);
        return gw_http_reply(conn, req, 400, "text/plain", "bad request\n", 12);
    }
    answer = sealed_answer_whole(cfg, inner);
    if (answer != NULL) {
        size_t len = 0;
        const uint8_t *body = confai_http_message_body(answer, &len);
        const char *type =
            confai_http_message_field_value(answer, CONFAI_HTTP_HEADERS, "content-type");
        rc = gw_http_reply(conn, req, confai_http_message_status(answer),
                           type != NULL ? type : "application/octet-stream", body, len);
    } else {
        rc = gw_http_reply(conn, req, 500, "text/plain", "no answer\n", 10);
    }
    confai_http_message_free(answer);
    confai_http_message_free(inner);
    return rc;
}
