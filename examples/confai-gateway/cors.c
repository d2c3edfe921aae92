/*
 * Cross-origin access for browser clients (--cors ORIGIN): a page served
 * from ORIGIN may call POST /v1/attestation and POST /v1/sealed.
 *
 * Only the one origin given is allowed, compared exactly (scheme, host and
 * port as the browser sends them in Origin); other origins get no CORS
 * headers, so the browser withholds the answer from them. No credentials
 * (cookies) are allowed: the protocol needs none. The preflight that a
 * sealed request's content type (message/ohttp-*-req) causes is answered
 * here: POST with the Content-Type header, cached for ten minutes.
 *
 * CORS does not protect the service (anyone can call it without a
 * browser); it only lets the browser give a page the answers. What the page
 * trusts still comes from the attestation it verifies itself.
 */
#include "gateway.h"

#include <string.h>

#include <microhttpd.h>

#define CORS_MAX_AGE "600"

const char *gw_cors_origin_for(const gw_config *cfg, struct MHD_Connection *conn)
{
    if (cfg->cors_origin == NULL)
        return NULL;
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    if (origin == NULL || strcmp(origin, cfg->cors_origin) != 0)
        return NULL;
    return cfg->cors_origin;
}

void gw_cors_headers(struct MHD_Response *response, const char *origin)
{
    /* The answer differs by Origin: caches must keep them apart. */
    MHD_add_response_header(response, "Vary", "Origin");
    if (origin != NULL)
        MHD_add_response_header(response, "Access-Control-Allow-Origin", origin);
}

int gw_cors_valid_origin(const char *origin)
{
    /* scheme "://" host [":" port], nothing after: what browsers send. */
    const char *sep = strstr(origin, "://");
    if (sep == NULL || sep == origin || sep[3] == '\0')
        return 0;
    if (strncmp(origin, "http://", 7) != 0 && strncmp(origin, "https://", 8) != 0)
        return 0;
    for (const char *p = sep + 3; *p != '\0'; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                 c == ':' || c == '[' || c == ']';
        if (!ok)
            return 0; /* no path, no uppercase, no userinfo, no wildcard */
    }
    return 1;
}

int gw_cors_preflight(struct MHD_Connection *conn, gw_request *req, const char *origin)
{
    const char *method =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Access-Control-Request-Method");
    if (origin == NULL || method == NULL || strcmp(method, "POST") != 0) {
        req->note = origin == NULL ? "preflight from another origin" : "preflight not for POST";
        static const char text[] = "cross-origin request not allowed\n";
        return gw_http_reply(conn, req, 403, "text/plain", text, sizeof(text) - 1);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    gw_cors_headers(r, origin);
    MHD_add_response_header(r, "Access-Control-Allow-Methods", "POST");
    MHD_add_response_header(r, "Access-Control-Allow-Headers", "Content-Type");
    MHD_add_response_header(r, "Access-Control-Max-Age", CORS_MAX_AGE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    req->status = 204;
    int rc = MHD_queue_response(conn, 204, r);
    MHD_destroy_response(r);
    return rc;
}
