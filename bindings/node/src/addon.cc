// Node binding of libconfai: N-API classes over the C handles. Blocking
// calls (attestation, sealed requests, stream reads, chat) run on the libuv
// thread pool through Napi::AsyncWorker and settle a Promise; pure
// functions (policy parsing, verification) run on the calling thread. No
// logic of its own: every decision and every byte of crypto comes from the
// C library. index.js gives it its JavaScript shape.

#include <napi.h>

#include <confai/confai.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {

// --- Errors -----------------------------------------------------------------

// A status and its message, captured on a worker thread.
struct Failure {
    confai_status status = CONFAI_OK;
    std::string message;

    void Set(confai_status st, const confai_error &err)
    {
        status = st;
        message = (err.status == st && err.message[0] != '\0')
                      ? std::string(err.message)
                      : std::string(confai_status_str(st));
    }
};

// The JavaScript error of a failure: an Error with status, code (the
// status name) and group; index.js turns it into a ConfaiError subclass.
Napi::Error MakeError(Napi::Env env, const Failure &f)
{
    Napi::Error e = Napi::Error::New(env, f.message);
    e.Set("status", Napi::Number::New(env, f.status));
    e.Set("code", Napi::String::New(env, confai_status_name(f.status)));
    e.Set("group", Napi::Number::New(env, confai_status_group_of(f.status)));
    e.Set("confai", Napi::Boolean::New(env, true));
    return e;
}

// Throws the JavaScript error of a failed call.
void Check(Napi::Env env, confai_status st, const confai_error &err)
{
    if (st == CONFAI_OK)
        return;
    Failure f;
    f.Set(st, err);
    throw MakeError(env, f);
}

// An argument error raised before the library is called (a closed handle,
// a value of the wrong JavaScript type).
[[noreturn]] void ThrowArgument(Napi::Env env, const std::string &message)
{
    Failure f;
    f.status = CONFAI_E_ARGUMENT;
    f.message = message;
    throw MakeError(env, f);
}

// --- Values -----------------------------------------------------------------

// Bytes of a Buffer, a Uint8Array or a string (UTF-8).
std::vector<uint8_t> Bytes(const Napi::Value &v, const char *what)
{
    Napi::Env env = v.Env();
    if (v.IsString()) {
        std::string s = v.As<Napi::String>().Utf8Value();
        return std::vector<uint8_t>(s.begin(), s.end());
    }
    if (v.IsTypedArray()) {
        Napi::TypedArray ta = v.As<Napi::TypedArray>();
        if (ta.TypedArrayType() == napi_uint8_array) {
            Napi::Uint8Array a = v.As<Napi::Uint8Array>();
            return std::vector<uint8_t>(a.Data(), a.Data() + a.ByteLength());
        }
    }
    if (v.IsArrayBuffer()) {
        Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
        const uint8_t *p = static_cast<const uint8_t *>(ab.Data());
        return std::vector<uint8_t>(p, p + ab.ByteLength());
    }
    if (v.IsUndefined() || v.IsNull())
        return {};
    ThrowArgument(env, std::string(what) + " must be a Buffer, Uint8Array or string");
}

// Exactly n bytes (a nonce, a measurement).
std::vector<uint8_t> FixedBytes(const Napi::Value &v, size_t n, const char *what)
{
    std::vector<uint8_t> b = Bytes(v, what);
    if (b.size() != n)
        ThrowArgument(v.Env(), std::string(what) + " must be " + std::to_string(n) + " bytes");
    return b;
}

const uint8_t *Ptr(const std::vector<uint8_t> &b)
{
    return b.empty() ? nullptr : b.data();
}

Napi::Buffer<uint8_t> CopyBuffer(Napi::Env env, const uint8_t *p, size_t n)
{
    if (n == 0)
        return Napi::Buffer<uint8_t>::New(env, 0);
    return Napi::Buffer<uint8_t>::Copy(env, p, n);
}

// Library-allocated bytes into a Buffer, released with confai_free.
Napi::Buffer<uint8_t> TakeBuffer(Napi::Env env, void *p, size_t n)
{
    Napi::Buffer<uint8_t> b = CopyBuffer(env, static_cast<const uint8_t *>(p), n);
    confai_free(p);
    return b;
}

std::string StringOption(const Napi::Object &o, const char *name)
{
    Napi::Value v = o.Get(name);
    if (v.IsUndefined() || v.IsNull())
        return "";
    if (!v.IsString())
        ThrowArgument(o.Env(), std::string(name) + " must be a string");
    return v.As<Napi::String>().Utf8Value();
}

int64_t NumberOption(const Napi::Object &o, const char *name, int64_t dflt)
{
    Napi::Value v = o.Get(name);
    if (v.IsUndefined() || v.IsNull())
        return dflt;
    if (!v.IsNumber())
        ThrowArgument(o.Env(), std::string(name) + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d > 9007199254740991.0)
        ThrowArgument(o.Env(), std::string(name) + " must be a non-negative integer");
    return static_cast<int64_t>(d);
}

// Verification options from {time (seconds since 1970), lenientBundle}.
confai_verify_options VerifyOptions(Napi::Env env, const Napi::Value &v)
{
    confai_verify_options o;
    confai_error err;
    Check(env, confai_verify_options_init(&o, confai_verify_options_version(), &err), err);
    if (v.IsObject()) {
        Napi::Object obj = v.As<Napi::Object>();
        o.verify_time = NumberOption(obj, "time", 0);
        if (obj.Get("lenientBundle").ToBoolean())
            o.flags |= CONFAI_VERIFY_LENIENT_BUNDLE;
    }
    return o;
}

// --- Owned C objects, shared by wrappers and workers ---------------------------

struct PolicyRef {
    confai_policy *p = nullptr;
    ~PolicyRef() { confai_policy_free(p); }
};

struct VerdictRef {
    confai_verdict *v = nullptr;
    ~VerdictRef() { confai_verdict_free(v); }
};

struct SimRef {
    confai_sim_snp *s = nullptr;
    ~SimRef() { confai_sim_snp_free(s); }
};

// The policy must outlive the client: the client holds it.
struct ClientRef {
    confai_client *c = nullptr;
    std::shared_ptr<PolicyRef> policy;
    ~ClientRef() { confai_client_free(c); }
};

// The client must outlive its streams: the stream holds it. Reads are
// serialized by mu; cancel may come from any thread.
struct StreamRef {
    confai_stream *s = nullptr;
    std::shared_ptr<ClientRef> client;
    std::mutex mu;
    ~StreamRef() { confai_stream_free(s); }
};

struct HttpMessage {
    confai_http_message *m = nullptr;
    HttpMessage() = default;
    HttpMessage(const HttpMessage &) = delete;
    HttpMessage &operator=(const HttpMessage &) = delete;
    ~HttpMessage() { confai_http_message_free(m); }
};

// Constructors of the classes made from C++ (verdicts, streams).
struct AddonData {
    Napi::FunctionReference verdict;
    Napi::FunctionReference stream;
    Napi::FunctionReference shaped;
};

Napi::Object NewVerdictObject(Napi::Env env, confai_verdict *v);

// --- Binary HTTP conversion --------------------------------------------------

// [[name, value], ...] as strings, without NULs.
std::vector<std::pair<std::string, std::string>> HeaderPairs(Napi::Env env, const Napi::Value &hv)
{
    std::vector<std::pair<std::string, std::string>> pairs;
    if (hv.IsUndefined() || hv.IsNull())
        return pairs;
    if (!hv.IsArray())
        ThrowArgument(env, "headers must be an array of [name, value] pairs");
    Napi::Array headers = hv.As<Napi::Array>();
    for (uint32_t i = 0; i < headers.Length(); i++) {
        Napi::Value pv = headers.Get(i);
        if (!pv.IsArray() || pv.As<Napi::Array>().Length() != 2)
            ThrowArgument(env, "headers must be an array of [name, value] pairs");
        Napi::Array pair = pv.As<Napi::Array>();
        if (!pair.Get(0u).IsString() || !pair.Get(1u).IsString())
            ThrowArgument(env, "header names and values must be strings");
        std::string name = pair.Get(0u).As<Napi::String>().Utf8Value();
        std::string value = pair.Get(1u).As<Napi::String>().Utf8Value();
        if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos)
            ThrowArgument(env, "header " + std::to_string(i) + " contains a NUL");
        pairs.emplace_back(std::move(name), std::move(value));
    }
    return pairs;
}

// An application's request shaped by the library's one rule
// (confai_http_request_shape): the inner message, with only the allowlisted
// header fields, and whether it goes out as a streamed exchange.
// new ShapedRequest(method, path, [[name, value], ...], body)
class ShapedWrap : public Napi::ObjectWrap<ShapedWrap> {
public:
    static Napi::Function Init(Napi::Env env)
    {
        return DefineClass(env, "ShapedRequest",
                           {InstanceAccessor<&ShapedWrap::Streamed>("streamed"),
                            InstanceMethod<&ShapedWrap::Encode>("encode")});
    }
    explicit ShapedWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<ShapedWrap>(info)
    {
        Napi::Env env = info.Env();
        if (!info[0].IsString() || !info[1].IsString())
            ThrowArgument(env, "method and path must be strings");
        std::string method = info[0].As<Napi::String>().Utf8Value();
        std::string path = info[1].As<Napi::String>().Utf8Value();
        auto pairs = HeaderPairs(env, info[2]);
        std::vector<const char *> names, values;
        for (const auto &p : pairs) {
            names.push_back(p.first.c_str());
            values.push_back(p.second.c_str());
        }
        std::vector<uint8_t> body = Bytes(info[3], "body");
        msg_ = std::make_unique<HttpMessage>();
        int streamed = 0;
        confai_error err;
        Check(env,
              confai_http_request_shape(&msg_->m, &streamed, method.c_str(), path.c_str(),
                                        names.data(), values.data(), names.size(),
                                        body.data(), body.size(), &err),
              err);
        streamed_ = streamed != 0;
    }
    // The message for sending; a shaped request is sent once.
    std::unique_ptr<HttpMessage> Take(Napi::Env env)
    {
        if (!msg_)
            ThrowArgument(env, "the shaped request was already sent");
        return std::move(msg_);
    }

private:
    Napi::Value Streamed(const Napi::CallbackInfo &info)
    {
        return Napi::Boolean::New(info.Env(), streamed_);
    }
    // encode() -> Buffer: the inner message as Binary HTTP, known length,
    // no padding (what tests/conformance/request-shape.json holds).
    Napi::Value Encode(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!msg_)
            ThrowArgument(env, "the shaped request was already sent");
        uint8_t *out = nullptr;
        size_t n = 0;
        confai_error err;
        Check(env, confai_http_message_encode(msg_->m, &out, &n, CONFAI_HTTP_KNOWN_LENGTH, 0, &err),
              err);
        Napi::Buffer<uint8_t> b = CopyBuffer(env, out, n);
        confai_free(out);
        return b;
    }
    std::unique_ptr<HttpMessage> msg_;
    bool streamed_ = false;
};

// The inner request: a ShapedRequest's message, or one built from {method,
// scheme, authority, path, headers: [[name, value], ...], body} as given.
// The library validates every part.
std::unique_ptr<HttpMessage> RequestMessage(Napi::Env env, const Napi::Value &v)
{
    if (!v.IsObject())
        ThrowArgument(env, "request must be an object");
    Napi::Object o = v.As<Napi::Object>();
    if (o.InstanceOf(env.GetInstanceData<AddonData>()->shaped.Value()))
        return ShapedWrap::Unwrap(o)->Take(env);
    std::string method = StringOption(o, "method");
    std::string scheme = StringOption(o, "scheme");
    std::string authority = StringOption(o, "authority");
    std::string path = StringOption(o, "path");
    auto msg = std::make_unique<HttpMessage>();
    confai_error err;
    Check(env,
          confai_http_message_new_request(&msg->m, method.c_str(), scheme.c_str(),
                                          authority.c_str(), path.c_str(), &err),
          err);
    for (const auto &[name, value] : HeaderPairs(env, o.Get("headers")))
        Check(env,
              confai_http_message_add_field(msg->m, CONFAI_HTTP_HEADERS, name.c_str(),
                                            value.c_str(), &err),
              err);
    std::vector<uint8_t> body = Bytes(o.Get("body"), "body");
    if (!body.empty())
        Check(env, confai_http_message_set_body(msg->m, body.data(), body.size(), &err), err);
    return msg;
}

Napi::Array Fields(Napi::Env env, const confai_http_message *m, confai_http_section section)
{
    size_t n = confai_http_message_field_count(m, section);
    Napi::Array out = Napi::Array::New(env, n);
    for (size_t i = 0; i < n; i++) {
        const char *name = nullptr;
        const char *value = nullptr;
        confai_error err;
        Check(env, confai_http_message_field(m, &name, &value, section, i, &err), err);
        Napi::Array pair = Napi::Array::New(env, 2);
        pair.Set(0u, Napi::String::New(env, name));
        pair.Set(1u, Napi::String::New(env, value));
        out.Set(static_cast<uint32_t>(i), pair);
    }
    return out;
}

// {status, headers} of a response head.
Napi::Object ResponseHead(Napi::Env env, const confai_http_message *m)
{
    Napi::Object o = Napi::Object::New(env);
    o.Set("status", Napi::Number::New(env, confai_http_message_status(m)));
    o.Set("headers", Fields(env, m, CONFAI_HTTP_HEADERS));
    return o;
}

// --- Promise workers -----------------------------------------------------------

// Runs Run() on the thread pool and settles a Promise: rejected with the
// library's error when Run failed, else resolved with Result().
class PromiseWorker : public Napi::AsyncWorker {
public:
    explicit PromiseWorker(Napi::Env env)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env))
    {
    }

    Napi::Promise Start()
    {
        Napi::Promise p = deferred_.Promise();
        Queue();
        return p;
    }

protected:
    virtual confai_status Run(confai_error *err) = 0;
    virtual Napi::Value Result(Napi::Env env) = 0;

    void Execute() override
    {
        confai_error err;
        std::memset(&err, 0, sizeof err);
        confai_status st = Run(&err);
        if (st != CONFAI_OK)
            failure_.Set(st, err);
    }

    void OnOK() override
    {
        Napi::Env env = Env();
        Napi::HandleScope scope(env);
        if (failure_.status != CONFAI_OK) {
            deferred_.Reject(MakeError(env, failure_).Value());
            return;
        }
        try {
            deferred_.Resolve(Result(env));
        } catch (const Napi::Error &e) {
            deferred_.Reject(e.Value());
        }
    }

    void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

    Failure failure_;
    Napi::Promise::Deferred deferred_;
};

class VerdictWorker : public PromiseWorker {
public:
    VerdictWorker(Napi::Env env, std::shared_ptr<ClientRef> client, bool fresh)
        : PromiseWorker(env), client_(std::move(client)), fresh_(fresh)
    {
    }
    ~VerdictWorker() override { confai_verdict_free(verdict_); }

protected:
    confai_status Run(confai_error *err) override
    {
        return fresh_ ? confai_client_attest(client_->c, &verdict_, err)
                      : confai_client_verdict(client_->c, &verdict_, err);
    }
    Napi::Value Result(Napi::Env env) override
    {
        confai_verdict *v = verdict_;
        verdict_ = nullptr;
        return NewVerdictObject(env, v);
    }

private:
    std::shared_ptr<ClientRef> client_;
    bool fresh_;
    confai_verdict *verdict_ = nullptr;
};

class FetchWorker : public PromiseWorker {
public:
    FetchWorker(Napi::Env env, std::shared_ptr<ClientRef> client,
                std::unique_ptr<HttpMessage> request)
        : PromiseWorker(env), client_(std::move(client)), request_(std::move(request))
    {
    }

protected:
    confai_status Run(confai_error *err) override
    {
        return confai_client_fetch(client_->c, &response_.m, request_->m, err);
    }
    Napi::Value Result(Napi::Env env) override
    {
        Napi::Object o = ResponseHead(env, response_.m);
        o.Set("trailers", Fields(env, response_.m, CONFAI_HTTP_TRAILERS));
        size_t n = 0;
        const uint8_t *body = confai_http_message_body(response_.m, &n);
        o.Set("body", CopyBuffer(env, body, n));
        return o;
    }

private:
    std::shared_ptr<ClientRef> client_;
    std::unique_ptr<HttpMessage> request_;
    HttpMessage response_;
};

class StreamOpenWorker : public PromiseWorker {
public:
    StreamOpenWorker(Napi::Env env, std::shared_ptr<ClientRef> client,
                     std::unique_ptr<HttpMessage> request)
        : PromiseWorker(env), client_(std::move(client)), request_(std::move(request)),
          stream_(std::make_shared<StreamRef>())
    {
        stream_->client = client_;
    }

protected:
    confai_status Run(confai_error *err) override
    {
        return confai_client_stream_open(client_->c, &stream_->s, request_->m, err);
    }
    Napi::Value Result(Napi::Env env) override;

private:
    std::shared_ptr<ClientRef> client_;
    std::unique_ptr<HttpMessage> request_;
    std::shared_ptr<StreamRef> stream_;
};

class StreamReadWorker : public PromiseWorker {
public:
    StreamReadWorker(Napi::Env env, std::shared_ptr<StreamRef> stream, size_t capacity)
        : PromiseWorker(env), stream_(std::move(stream)), buf_(capacity)
    {
    }

protected:
    confai_status Run(confai_error *err) override
    {
        std::lock_guard<std::mutex> lock(stream_->mu);
        n_ = buf_.size(); // in: the capacity; out: the bytes read, 0 at the end
        return confai_stream_read(stream_->s, buf_.data(), &n_, err);
    }
    Napi::Value Result(Napi::Env env) override
    {
        if (n_ == 0)
            return env.Null(); // the authenticated end of the response
        return CopyBuffer(env, buf_.data(), n_);
    }

private:
    std::shared_ptr<StreamRef> stream_;
    std::vector<uint8_t> buf_;
    size_t n_ = 0;
};

// --- Policy ---------------------------------------------------------------------

class PolicyWrap : public Napi::ObjectWrap<PolicyWrap> {
public:
    static Napi::Function Init(Napi::Env env)
    {
        return DefineClass(env, "Policy",
                           {InstanceMethod<&PolicyWrap::MaxAge>("maxAge"),
                            InstanceMethod<&PolicyWrap::Close>("close")});
    }

    // new Policy(document: Buffer | string)
    explicit PolicyWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<PolicyWrap>(info)
    {
        Napi::Env env = info.Env();
        std::vector<uint8_t> doc = Bytes(info[0], "policy document");
        auto ref = std::make_shared<PolicyRef>();
        confai_error err;
        Check(env,
              confai_policy_new(&ref->p, reinterpret_cast<const char *>(Ptr(doc)), doc.size(),
                                &err),
              err);
        ref_ = std::move(ref);
    }

    std::shared_ptr<PolicyRef> Ref(Napi::Env env) const
    {
        if (!ref_)
            ThrowArgument(env, "policy is closed");
        return ref_;
    }

private:
    Napi::Value MaxAge(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(),
                                 static_cast<double>(confai_policy_max_age(Ref(info.Env())->p)));
    }
    Napi::Value Close(const Napi::CallbackInfo &info)
    {
        ref_.reset();
        return info.Env().Undefined();
    }

    std::shared_ptr<PolicyRef> ref_;
};

// --- Verdict --------------------------------------------------------------------

class VerdictWrap : public Napi::ObjectWrap<VerdictWrap> {
public:
    static Napi::Function Init(Napi::Env env)
    {
        return DefineClass(
            env, "Verdict",
            {InstanceMethod<&VerdictWrap::Platform>("platform"),
             InstanceMethod<&VerdictWrap::Product>("product"),
             InstanceMethod<&VerdictWrap::Measurement>("measurement"),
             InstanceMethod<&VerdictWrap::RootKind>("rootKind"),
             InstanceMethod<&VerdictWrap::RootWarning>("rootWarning"),
             InstanceMethod<&VerdictWrap::KeyConfigDigest>("keyConfigDigest"),
             InstanceMethod<&VerdictWrap::ManifestDigest>("manifestDigest"),
             InstanceMethod<&VerdictWrap::VerifiedAt>("verifiedAt"),
             InstanceMethod<&VerdictWrap::NotAfter>("notAfter"),
             InstanceMethod<&VerdictWrap::Expiry>("expiry"),
             InstanceMethod<&VerdictWrap::Tcb>("tcb"),
             InstanceMethod<&VerdictWrap::Checks>("checks"),
             InstanceMethod<&VerdictWrap::Waived>("waived"),
             InstanceMethod<&VerdictWrap::Json>("json"),
             InstanceMethod<&VerdictWrap::Close>("close")});
    }

    explicit VerdictWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<VerdictWrap>(info) {}

    void Adopt(confai_verdict *v)
    {
        ref_ = std::make_shared<VerdictRef>();
        ref_->v = v;
    }

private:
    confai_verdict *V(Napi::Env env) const
    {
        if (!ref_)
            ThrowArgument(env, "verdict is closed");
        return ref_->v;
    }
    static Napi::Value Str(Napi::Env env, const char *s)
    {
        return s ? Napi::String::New(env, s) : env.Null();
    }
    static Napi::Value Digest(Napi::Env env, const uint8_t *d)
    {
        return d ? Napi::Value(CopyBuffer(env, d, confai_verdict_digest_size())) : env.Null();
    }

    Napi::Value Platform(const Napi::CallbackInfo &info)
    {
        return Str(info.Env(), confai_verdict_platform(V(info.Env())));
    }
    Napi::Value Product(const Napi::CallbackInfo &info)
    {
        return Str(info.Env(), confai_verdict_product(V(info.Env())));
    }
    Napi::Value Measurement(const Napi::CallbackInfo &info)
    {
        size_t n = 0;
        const uint8_t *m = confai_verdict_measurement(V(info.Env()), &n);
        return CopyBuffer(info.Env(), m, m ? n : 0);
    }
    Napi::Value RootKind(const Napi::CallbackInfo &info)
    {
        switch (confai_verdict_root_kind(V(info.Env()))) {
        case CONFAI_ROOT_VENDOR: return Napi::String::New(info.Env(), "vendor");
        case CONFAI_ROOT_CUSTOM: return Napi::String::New(info.Env(), "custom");
        case CONFAI_ROOT_NONE: break;
        }
        return Napi::String::New(info.Env(), "none");
    }
    Napi::Value RootWarning(const Napi::CallbackInfo &info)
    {
        return Str(info.Env(), confai_verdict_root_warning(V(info.Env())));
    }
    Napi::Value KeyConfigDigest(const Napi::CallbackInfo &info)
    {
        return Digest(info.Env(), confai_verdict_key_config_digest(V(info.Env())));
    }
    Napi::Value ManifestDigest(const Napi::CallbackInfo &info)
    {
        return Digest(info.Env(), confai_verdict_manifest_digest(V(info.Env())));
    }
    Napi::Value VerifiedAt(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(),
                                 static_cast<double>(confai_verdict_verified_at(V(info.Env()))));
    }
    Napi::Value NotAfter(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(),
                                 static_cast<double>(confai_verdict_not_after(V(info.Env()))));
    }
    Napi::Value Expiry(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(),
                                 static_cast<double>(confai_verdict_expiry(V(info.Env()))));
    }
    // tcb(kind: 0..3) as a BigInt (the raw 64-bit TCB_VERSION).
    Napi::Value Tcb(const Napi::CallbackInfo &info)
    {
        int64_t kind = info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : -1;
        if (kind < CONFAI_TCB_CURRENT || kind > CONFAI_TCB_LAUNCH)
            ThrowArgument(info.Env(), "TCB kind must be 0 to 3");
        return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(confai_verdict_tcb(
                                                 V(info.Env()), static_cast<confai_tcb_kind>(kind))));
    }
    Napi::Value Checks(const Napi::CallbackInfo &info)
    {
        confai_verdict *v = V(info.Env());
        size_t n = confai_verdict_check_count(v);
        Napi::Array a = Napi::Array::New(info.Env(), n);
        for (size_t i = 0; i < n; i++)
            a.Set(static_cast<uint32_t>(i), Str(info.Env(), confai_verdict_check(v, i)));
        return a;
    }
    Napi::Value Waived(const Napi::CallbackInfo &info)
    {
        confai_verdict *v = V(info.Env());
        size_t n = confai_verdict_waived_count(v);
        Napi::Array a = Napi::Array::New(info.Env(), n);
        for (size_t i = 0; i < n; i++)
            a.Set(static_cast<uint32_t>(i), Str(info.Env(), confai_verdict_waived(v, i)));
        return a;
    }
    Napi::Value Json(const Napi::CallbackInfo &info)
    {
        char *json = nullptr;
        size_t n = 0;
        confai_error err;
        Check(info.Env(), confai_verdict_json(V(info.Env()), &json, &n, &err), err);
        std::string s(json, n);
        confai_free(json);
        return Napi::String::New(info.Env(), s);
    }
    Napi::Value Close(const Napi::CallbackInfo &info)
    {
        ref_.reset();
        return info.Env().Undefined();
    }

    std::shared_ptr<VerdictRef> ref_;
};

Napi::Object NewVerdictObject(Napi::Env env, confai_verdict *v)
{
    Napi::Object obj = env.GetInstanceData<AddonData>()->verdict.New({});
    VerdictWrap::Unwrap(obj)->Adopt(v);
    return obj;
}

// verifyBundle(policy, nonce: 32 bytes, bundle, options?) -> Verdict
Napi::Value VerifyBundle(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    if (!info[0].IsObject())
        ThrowArgument(env, "policy must be a Policy");
    std::shared_ptr<PolicyRef> policy = PolicyWrap::Unwrap(info[0].As<Napi::Object>())->Ref(env);
    std::vector<uint8_t> nonce = FixedBytes(info[1], confai_attestation_nonce_size(), "nonce");
    std::vector<uint8_t> bundle = Bytes(info[2], "bundle");
    confai_verify_options opts = VerifyOptions(env, info[3]);
    confai_verdict *v = nullptr;
    confai_error err;
    Check(env,
          confai_attestation_verify(&v, policy->p, &opts, nonce.data(),
                                    reinterpret_cast<const char *>(Ptr(bundle)), bundle.size(),
                                    &err),
          err);
    return NewVerdictObject(env, v);
}

// --- Simulated SEV-SNP platform ----------------------------------------------------

class SimWrap : public Napi::ObjectWrap<SimWrap> {
public:
    static Napi::Function Init(Napi::Env env)
    {
        return DefineClass(env, "SimSNP",
                           {InstanceMethod<&SimWrap::SaveKeys>("saveKeys"),
                            InstanceMethod<&SimWrap::PolicyJson>("policyJson"),
                            InstanceMethod<&SimWrap::Bundle>("bundle"),
                            InstanceMethod<&SimWrap::Close>("close")});
    }

    // new SimSNP(savedKeys | null, measurement: 48 bytes, now: seconds | 0)
    explicit SimWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<SimWrap>(info)
    {
        Napi::Env env = info.Env();
        std::vector<uint8_t> keys = Bytes(info[0], "saved keys");
        std::vector<uint8_t> m = FixedBytes(info[1], confai_snp_measurement_size(), "measurement");
        int64_t now = info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : 0;
        auto ref = std::make_shared<SimRef>();
        confai_error err;
        Check(env,
              confai_sim_snp_new(&ref->s,
                                 info[0].IsUndefined() || info[0].IsNull()
                                     ? nullptr
                                     : reinterpret_cast<const char *>(Ptr(keys)),
                                 keys.size(), m.data(), now, &err),
              err);
        ref_ = std::move(ref);
    }

private:
    confai_sim_snp *S(Napi::Env env) const
    {
        if (!ref_)
            ThrowArgument(env, "simulated platform is closed");
        return ref_->s;
    }
    Napi::Value SaveKeys(const Napi::CallbackInfo &info)
    {
        char *text = nullptr;
        size_t n = 0;
        confai_error err;
        Check(info.Env(), confai_sim_snp_save_keys(S(info.Env()), &text, &n, &err), err);
        return TakeBuffer(info.Env(), text, n);
    }
    // policyJson(manifest, maxAgeSeconds) -> Buffer
    Napi::Value PolicyJson(const Napi::CallbackInfo &info)
    {
        std::vector<uint8_t> manifest = Bytes(info[0], "manifest");
        int64_t max_age = info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
        char *json = nullptr;
        size_t n = 0;
        confai_error err;
        Check(info.Env(),
              confai_sim_snp_policy_json(S(info.Env()), &json, &n, Ptr(manifest), manifest.size(),
                                         max_age, &err),
              err);
        return TakeBuffer(info.Env(), json, n);
    }
    // bundle(nonce, keyConfig, manifest, notAfter) -> Buffer
    Napi::Value Bundle(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        std::vector<uint8_t> nonce = FixedBytes(info[0], confai_attestation_nonce_size(), "nonce");
        std::vector<uint8_t> kc = Bytes(info[1], "key config");
        std::vector<uint8_t> manifest = Bytes(info[2], "manifest");
        if (!info[3].IsString())
            ThrowArgument(env, "notAfter must be a string");
        std::string not_after = info[3].As<Napi::String>().Utf8Value();
        char *json = nullptr;
        size_t n = 0;
        confai_error err;
        Check(env,
              confai_sim_snp_bundle(S(env), &json, &n, nonce.data(), Ptr(kc), kc.size(),
                                    Ptr(manifest), manifest.size(), not_after.c_str(), &err),
              err);
        return TakeBuffer(env, json, n);
    }
    Napi::Value Close(const Napi::CallbackInfo &info)
    {
        ref_.reset();
        return info.Env().Undefined();
    }

    std::shared_ptr<SimRef> ref_;
};

// --- Stream ---------------------------------------------------------------------------

class StreamWrap : public Napi::ObjectWrap<StreamWrap> {
public:
    static Napi::Function Init(Napi::Env env)
    {
        return DefineClass(env, "Stream",
                           {InstanceMethod<&StreamWrap::Read>("read"),
                            InstanceMethod<&StreamWrap::Cancel>("cancel"),
                            InstanceMethod<&StreamWrap::Close>("close")});
    }

    explicit StreamWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<StreamWrap>(info) {}

    void Adopt(std::shared_ptr<StreamRef> ref) { ref_ = std::move(ref); }

private:
    // read(capacity) -> Promise<Buffer | null>; null at the authenticated end.
    Napi::Value Read(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!ref_)
            ThrowArgument(env, "stream is closed");
        int64_t cap = info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : 65536;
        if (cap <= 0 || cap > (1 << 24))
            ThrowArgument(env, "read capacity must be 1 to 16777216 bytes");
        return (new StreamReadWorker(env, ref_, static_cast<size_t>(cap)))->Start();
    }
    // cancel(): a blocked or later read fails with CONFAI_E_CANCELLED.
    Napi::Value Cancel(const Napi::CallbackInfo &info)
    {
        if (ref_)
            confai_stream_cancel(ref_->s);
        return info.Env().Undefined();
    }
    // close(): cancels and releases; a read in flight keeps the stream alive
    // until it returns.
    Napi::Value Close(const Napi::CallbackInfo &info)
    {
        if (ref_) {
            confai_stream_cancel(ref_->s);
            ref_.reset();
        }
        return info.Env().Undefined();
    }

    std::shared_ptr<StreamRef> ref_;
};

Napi::Value StreamOpenWorker::Result(Napi::Env env)
{
    Napi::Object obj = env.GetInstanceData<AddonData>()->stream.New({});
    Napi::Object head = ResponseHead(env, confai_stream_response(stream_->s));
    obj.Set("status", head.Get("status"));
    obj.Set("headers", head.Get("headers"));
    StreamWrap::Unwrap(obj)->Adopt(stream_);
    return obj;
}

// --- Chat ------------------------------------------------------------------------------

// Cancels a chat from JavaScript (an AbortSignal in index.js).
class CancelWrap : public Napi::ObjectWrap<CancelWrap> {
public:
    static Napi::Function Init(Napi::Env env)
    {
        return DefineClass(env, "CancelToken",
                           {InstanceMethod<&CancelWrap::Cancel>("cancel")});
    }
    explicit CancelWrap(const Napi::CallbackInfo &info)
        : Napi::ObjectWrap<CancelWrap>(info), flag_(std::make_shared<std::atomic<bool>>(false))
    {
    }
    std::shared_ptr<std::atomic<bool>> Flag() const { return flag_; }

private:
    Napi::Value Cancel(const Napi::CallbackInfo &info)
    {
        flag_->store(true);
        return info.Env().Undefined();
    }
    std::shared_ptr<std::atomic<bool>> flag_;
};

// confai_client_chat on the thread pool; each delta travels to the main
// thread and to onDelta(text) in order, before the Promise settles.
class ChatWorker : public Napi::AsyncProgressQueueWorker<char> {
public:
    ChatWorker(Napi::Env env, std::shared_ptr<ClientRef> client, std::string request,
               Napi::Function on_delta, std::shared_ptr<std::atomic<bool>> cancelled)
        : Napi::AsyncProgressQueueWorker<char>(env), client_(std::move(client)),
          request_(std::move(request)), on_delta_(Napi::Persistent(on_delta)),
          cancelled_(std::move(cancelled)), deferred_(Napi::Promise::Deferred::New(env))
    {
    }

    Napi::Promise Start()
    {
        Napi::Promise p = deferred_.Promise();
        Queue();
        return p;
    }

protected:
    struct Ctx {
        const ExecutionProgress *progress;
        std::atomic<bool> *cancelled;
    };

    static int OnDelta(void *user, const char *text, size_t len)
    {
        Ctx *ctx = static_cast<Ctx *>(user);
        if (ctx->cancelled->load())
            return 1;
        ctx->progress->Send(text, len);
        return 0;
    }

    void Execute(const ExecutionProgress &progress) override
    {
        Ctx ctx{&progress, cancelled_.get()};
        confai_error err;
        std::memset(&err, 0, sizeof err);
        confai_status st = confai_client_chat(client_->c, request_.data(), request_.size(),
                                              OnDelta, &ctx, &err);
        if (st != CONFAI_OK)
            failure_.Set(st, err);
    }

    void OnProgress(const char *data, size_t count) override
    {
        if (callback_error_.IsEmpty() == false || cancelled_->load())
            return;
        Napi::Env env = Env();
        Napi::HandleScope scope(env);
        try {
            on_delta_.Call({Napi::String::New(env, data, count)});
        } catch (const Napi::Error &e) {
            // The callback threw: stop the chat, report its error.
            callback_error_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
            cancelled_->store(true);
        }
    }

    void OnOK() override
    {
        Napi::Env env = Env();
        Napi::HandleScope scope(env);
        if (!callback_error_.IsEmpty()) {
            deferred_.Reject(callback_error_.Value());
        } else if (failure_.status != CONFAI_OK) {
            deferred_.Reject(MakeError(env, failure_).Value());
        } else {
            deferred_.Resolve(env.Undefined());
        }
    }

    void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

private:
    std::shared_ptr<ClientRef> client_;
    std::string request_;
    Napi::FunctionReference on_delta_;
    std::shared_ptr<std::atomic<bool>> cancelled_;
    Napi::Reference<Napi::Value> callback_error_;
    Failure failure_;
    Napi::Promise::Deferred deferred_;
};

// --- Client ------------------------------------------------------------------------------

class ClientWrap : public Napi::ObjectWrap<ClientWrap> {
public:
    static Napi::Function Init(Napi::Env env)
    {
        return DefineClass(env, "Client",
                           {InstanceMethod<&ClientWrap::Attest>("attest"),
                            InstanceMethod<&ClientWrap::Verdict>("verdict"),
                            InstanceMethod<&ClientWrap::Fetch>("fetch"),
                            InstanceMethod<&ClientWrap::StreamOpen>("streamOpen"),
                            InstanceMethod<&ClientWrap::Chat>("chat"),
                            InstanceMethod<&ClientWrap::Close>("close")});
    }

    // new Client(baseUrl, policy, options?)
    explicit ClientWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<ClientWrap>(info)
    {
        Napi::Env env = info.Env();
        if (!info[0].IsString())
            ThrowArgument(env, "baseUrl must be a string");
        std::string url = info[0].As<Napi::String>().Utf8Value();
        if (!info[1].IsObject())
            ThrowArgument(env, "policy must be a Policy");
        std::shared_ptr<PolicyRef> policy =
            PolicyWrap::Unwrap(info[1].As<Napi::Object>())->Ref(env);

        confai_client_options o;
        confai_error err;
        Check(env, confai_client_options_init(&o, confai_client_options_version(), &err), err);
        std::string ca_file, pin, agent;
        confai_verify_options vopts;
        if (info[2].IsObject()) {
            Napi::Object opts = info[2].As<Napi::Object>();
            o.connect_timeout_ms = NumberOption(opts, "connectTimeoutMs", 0);
            o.request_timeout_ms = NumberOption(opts, "requestTimeoutMs", 0);
            o.attest_timeout_ms = NumberOption(opts, "attestTimeoutMs", 0);
            o.attest_retries =
                static_cast<uint32_t>(NumberOption(opts, "attestRetries", o.attest_retries));
            o.retry_backoff_ms = static_cast<uint32_t>(NumberOption(opts, "retryBackoffMs", 0));
            ca_file = StringOption(opts, "caFile");
            pin = StringOption(opts, "pinnedPublicKey");
            agent = StringOption(opts, "userAgent");
            o.ca_file = ca_file.empty() ? nullptr : ca_file.c_str();
            o.pinned_public_key = pin.empty() ? nullptr : pin.c_str();
            o.user_agent = agent.empty() ? nullptr : agent.c_str();
            o.max_response_size = static_cast<size_t>(NumberOption(opts, "maxResponseSize", 0));
            o.chunk_size = static_cast<size_t>(NumberOption(opts, "chunkSize", 0));
            Napi::Value verify = opts.Get("verify");
            if (verify.IsObject()) {
                vopts = VerifyOptions(env, verify);
                o.verify = &vopts;
            }
        }
        auto ref = std::make_shared<ClientRef>();
        ref->policy = policy;
        Check(env, confai_client_new(&ref->c, url.c_str(), policy->p, &o, &err), err);
        ref_ = std::move(ref);
    }

private:
    std::shared_ptr<ClientRef> Ref(Napi::Env env) const
    {
        if (!ref_)
            ThrowArgument(env, "client is closed");
        return ref_;
    }

    Napi::Value Attest(const Napi::CallbackInfo &info)
    {
        return (new VerdictWorker(info.Env(), Ref(info.Env()), true))->Start();
    }
    Napi::Value Verdict(const Napi::CallbackInfo &info)
    {
        return (new VerdictWorker(info.Env(), Ref(info.Env()), false))->Start();
    }
    // fetch(request) -> Promise<{status, headers, trailers, body}>
    Napi::Value Fetch(const Napi::CallbackInfo &info)
    {
        auto client = Ref(info.Env());
        return (new FetchWorker(info.Env(), client, RequestMessage(info.Env(), info[0])))->Start();
    }
    // streamOpen(request) -> Promise<Stream>
    Napi::Value StreamOpen(const Napi::CallbackInfo &info)
    {
        auto client = Ref(info.Env());
        return (new StreamOpenWorker(info.Env(), client, RequestMessage(info.Env(), info[0])))
            ->Start();
    }
    // chat(requestJson, onDelta(text), cancelToken?) -> Promise<void>
    Napi::Value Chat(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        auto client = Ref(env);
        std::vector<uint8_t> request = Bytes(info[0], "chat request");
        if (!info[1].IsFunction())
            ThrowArgument(env, "onDelta must be a function");
        std::shared_ptr<std::atomic<bool>> flag;
        if (info[2].IsObject())
            flag = CancelWrap::Unwrap(info[2].As<Napi::Object>())->Flag();
        else
            flag = std::make_shared<std::atomic<bool>>(false);
        return (new ChatWorker(env, client, std::string(request.begin(), request.end()),
                               info[1].As<Napi::Function>(), flag))
            ->Start();
    }
    // close(): calls in flight and open streams keep the C client alive
    // until they finish.
    Napi::Value Close(const Napi::CallbackInfo &info)
    {
        ref_.reset();
        return info.Env().Undefined();
    }

    std::shared_ptr<ClientRef> ref_;
};

// --- Module ----------------------------------------------------------------------------------

Napi::Value StatusName(const Napi::CallbackInfo &info)
{
    return Napi::String::New(info.Env(), confai_status_name(static_cast<confai_status>(
                                             info[0].As<Napi::Number>().Int32Value())));
}

Napi::Value StatusString(const Napi::CallbackInfo &info)
{
    return Napi::String::New(info.Env(), confai_status_str(static_cast<confai_status>(
                                             info[0].As<Napi::Number>().Int32Value())));
}

Napi::Value StatusGroup(const Napi::CallbackInfo &info)
{
    return Napi::Number::New(info.Env(), confai_status_group_of(static_cast<confai_status>(
                                             info[0].As<Napi::Number>().Int32Value())));
}

Napi::Value Version(const Napi::CallbackInfo &info)
{
    return Napi::String::New(info.Env(), confai_version());
}

Napi::Object Init(Napi::Env env, Napi::Object exports)
{
    auto *data = new AddonData();
    Napi::Function verdict = VerdictWrap::Init(env);
    Napi::Function stream = StreamWrap::Init(env);
    data->verdict = Napi::Persistent(verdict);
    data->stream = Napi::Persistent(stream);
    Napi::Function shaped = ShapedWrap::Init(env);
    data->shaped = Napi::Persistent(shaped);
    env.SetInstanceData(data);

    exports.Set("Policy", PolicyWrap::Init(env));
    exports.Set("Verdict", verdict);
    exports.Set("SimSNP", SimWrap::Init(env));
    exports.Set("Client", ClientWrap::Init(env));
    exports.Set("Stream", stream);
    exports.Set("CancelToken", CancelWrap::Init(env));
    exports.Set("ShapedRequest", shaped);
    exports.Set("verifyBundle", Napi::Function::New(env, VerifyBundle));
    exports.Set("statusName", Napi::Function::New(env, StatusName));
    exports.Set("statusString", Napi::Function::New(env, StatusString));
    exports.Set("statusGroup", Napi::Function::New(env, StatusGroup));
    exports.Set("version", Napi::Function::New(env, Version));
    exports.Set("nonceSize", Napi::Number::New(env, confai_attestation_nonce_size()));
    return exports;
}

} // namespace

NODE_API_MODULE(confai, Init)
