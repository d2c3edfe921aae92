// Test support for the conformance runner's sealed-request cases: opens a
// sealed request with the gateway side of the C library
// (confai_hpke_key_import, confai_key_config_new, confai_ohttp_gateway_*).
// Not part of the binding: a client never opens requests.

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

// openRequest(chunked, kemId, keyId, [[kdf, aead], ...], privateKey, request)
//   -> {status, message, plaintext, finalSeen, afterFinal}
Napi::Value OpenRequest(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    bool chunked = info[0].ToBoolean();
    uint16_t kem = static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value());
    uint8_t key_id = static_cast<uint8_t>(info[2].As<Napi::Number>().Uint32Value());
    Napi::Array list = info[3].As<Napi::Array>();
    std::vector<confai_ohttp_algorithms> algs;
    for (uint32_t i = 0; i < list.Length(); i++) {
        Napi::Array pair = list.Get(i).As<Napi::Array>();
        algs.push_back({static_cast<uint16_t>(pair.Get(0u).As<Napi::Number>().Uint32Value()),
                        static_cast<uint16_t>(pair.Get(1u).As<Napi::Number>().Uint32Value())});
    }
    std::vector<uint8_t> sk = Bytes(info[4]);
    std::vector<uint8_t> req = Bytes(info[5]);

    confai_error err;
    std::memset(&err, 0, sizeof err);
    confai_hpke_key *key = nullptr;
    confai_key_config *config = nullptr;
    confai_ohttp_gateway *gw = nullptr;
    Sink sink;
    confai_status st = confai_hpke_key_import(&key, kem, sk.data(), sk.size(), &err);
    if (st == CONFAI_OK)
        st = confai_key_config_new(&config, key, key_id, algs.data(), algs.size(), &err);
    const confai_key_config *configs[1] = {config};
    if (st == CONFAI_OK && !chunked) {
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
    confai_hpke_key_free(key);

    Napi::Object r = Napi::Object::New(env);
    r.Set("status", Napi::Number::New(env, st));
    r.Set("message", Napi::String::New(env, st != CONFAI_OK && err.status == st ? err.message : ""));
    r.Set("plaintext", Napi::Buffer<uint8_t>::Copy(env, sink.data.data(), sink.data.size()));
    r.Set("finalSeen", Napi::Boolean::New(env, sink.final_seen));
    r.Set("afterFinal", Napi::Boolean::New(env, sink.after_final));
    return r;
}

Napi::Object Init(Napi::Env env, Napi::Object exports)
{
    exports.Set("openRequest", Napi::Function::New(env, OpenRequest));
    return exports;
}

} // namespace

NODE_API_MODULE(confai_gateway_open, Init)
