// Test support for the conformance runner's sealed cases: opens a sealed
// request with the gateway side of the C library (confai_hpke_key_import,
// confai_key_config_new, confai_ohttp_gateway_*), and the response of a
// recorded exchange with the client side rebuilt from the gateway's key
// (confai_ohttp_client_from_request, confai_ohttp_client_*). Not part of
// the binding: a client never opens requests nor rebuilds an exchange.

#include <napi.h>

#include <confai/confai.h>

#include <cstring>
#include <vector>

namespace {

struct Sink {
    std::vector<uint8_t> data;
    bool final_seen = false;
    bool after_final = false;
};

void OnChunk(void *user, const uint8_t *pt, size_t n, int is_final)
{
    Sink *s = static_cast<Sink *>(user);
    if (s->final_seen)
        s->after_final = true;
    s->data.insert(s->data.end(), pt, pt + n);
    s->final_seen = is_final != 0;
}

std::vector<uint8_t> Bytes(const Napi::Value &v)
{
    Napi::Uint8Array a = v.As<Napi::Uint8Array>();
    return std::vector<uint8_t>(a.Data(), a.Data() + a.ByteLength());
}

// The arguments both functions start with: chunked, kemId, keyId,
// [[kdf, aead], ...], privateKey.
struct Gateway {
    bool chunked;
    uint16_t kem;
    uint8_t key_id;
    std::vector<confai_ohttp_algorithms> algs;
    std::vector<uint8_t> sk;

    explicit Gateway(const Napi::CallbackInfo &info)
    {
        chunked = info[0].ToBoolean();
        kem = static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value());
        key_id = static_cast<uint8_t>(info[2].As<Napi::Number>().Uint32Value());
        Napi::Array list = info[3].As<Napi::Array>();
        for (uint32_t i = 0; i < list.Length(); i++) {
            Napi::Array pair = list.Get(i).As<Napi::Array>();
            algs.push_back({static_cast<uint16_t>(pair.Get(0u).As<Napi::Number>().Uint32Value()),
                            static_cast<uint16_t>(pair.Get(1u).As<Napi::Number>().Uint32Value())});
        }
        sk = Bytes(info[4]);
    }

    // The one configuration, made from the private key.
    confai_status Config(confai_key_config **config, confai_error *err) const
    {
        confai_hpke_key *key = nullptr;
        confai_status st = confai_hpke_key_import(&key, kem, sk.data(), sk.size(), err);
        if (st == CONFAI_OK)
            st = confai_key_config_new(config, key, key_id, algs.data(), algs.size(), err);
        confai_hpke_key_free(key);
        return st;
    }
};

// {status, message, plaintext, finalSeen, afterFinal}
Napi::Value Outcome(Napi::Env env, confai_status st, const confai_error &err, const Sink &sink)
{
    Napi::Object r = Napi::Object::New(env);
    r.Set("status", Napi::Number::New(env, st));
    r.Set("message", Napi::String::New(env, st != CONFAI_OK && err.status == st ? err.message : ""));
    r.Set("plaintext", Napi::Buffer<uint8_t>::Copy(env, sink.data.data(), sink.data.size()));
    r.Set("finalSeen", Napi::Boolean::New(env, sink.final_seen));
    r.Set("afterFinal", Napi::Boolean::New(env, sink.after_final));
    return r;
}

// openRequest(chunked, kemId, keyId, [[kdf, aead], ...], privateKey, request)
//   -> {status, message, plaintext, finalSeen, afterFinal}
Napi::Value OpenRequest(const Napi::CallbackInfo &info)
{
    Gateway g(info);
    std::vector<uint8_t> req = Bytes(info[5]);

    confai_error err;
    std::memset(&err, 0, sizeof err);
    confai_key_config *config = nullptr;
    confai_ohttp_gateway *gw = nullptr;
    Sink sink;
    confai_status st = g.Config(&config, &err);
    const confai_key_config *configs[1] = {config};
    if (st == CONFAI_OK && !g.chunked) {
        sink.data.resize(req.size() + 1);
        size_t n = sink.data.size();
        st = confai_ohttp_gateway_open_request(&gw, sink.data.data(), &n, configs, 1, req.data(),
                                               req.size(), &err);
        sink.data.resize(st == CONFAI_OK ? n : 0);
    } else if (st == CONFAI_OK) {
        st = confai_ohttp_gateway_new_chunked(&gw, configs, 1, OnChunk, &sink, &err);
        if (st == CONFAI_OK)
            st = confai_ohttp_gateway_feed_request(gw, req.data(), req.size(), &err);
        if (st == CONFAI_OK)
            st = confai_ohttp_gateway_finish_request(gw, &err);
    }
    confai_ohttp_gateway_free(gw);
    confai_key_config_free(config);
    return Outcome(info.Env(), st, err, sink);
}

// openResponse(chunked, kemId, keyId, [[kdf, aead], ...], privateKey, request, response)
//   -> {status, message, plaintext, finalSeen, afterFinal}
// The client side of the recorded exchange is rebuilt from the
// configuration and the request (confai_ohttp_client_from_request), then
// opens the response.
Napi::Value OpenResponse(const Napi::CallbackInfo &info)
{
    Gateway g(info);
    std::vector<uint8_t> req = Bytes(info[5]);
    std::vector<uint8_t> res = Bytes(info[6]);

    confai_error err;
    std::memset(&err, 0, sizeof err);
    confai_key_config *config = nullptr;
    confai_ohttp_client *client = nullptr;
    Sink sink;
    confai_status st = g.Config(&config, &err);
    const confai_key_config *configs[1] = {config};
    if (st == CONFAI_OK)
        st = confai_ohttp_client_from_request(&client, configs, 1, req.data(), req.size(),
                                              g.chunked ? 1 : 0, OnChunk, &sink, &err);
    if (st == CONFAI_OK && !g.chunked) {
        sink.data.resize(res.size() + 1);
        size_t n = sink.data.size();
        st = confai_ohttp_client_open_response(client, sink.data.data(), &n, res.data(),
                                               res.size(), &err);
        sink.data.resize(st == CONFAI_OK ? n : 0);
    } else if (st == CONFAI_OK) {
        st = confai_ohttp_client_feed_response(client, res.data(), res.size(), &err);
        if (st == CONFAI_OK)
            st = confai_ohttp_client_finish_response(client, &err);
    }
    confai_ohttp_client_free(client);
    confai_key_config_free(config);
    return Outcome(info.Env(), st, err, sink);
}

Napi::Object Init(Napi::Env env, Napi::Object exports)
{
    exports.Set("openRequest", Napi::Function::New(env, OpenRequest));
    exports.Set("openResponse", Napi::Function::New(env, OpenResponse));
    return exports;
}

} // namespace

NODE_API_MODULE(confai_gateway_open, Init)
