//! The Rust side of libconfai's OHTTP interop test (test_ohttp_interop.c):
//! Martin Thomson's `ohttp` crate (client, server, rust-hpke, stream) and
//! `bhttp` crate, driven over a line protocol on stdin/stdout.
//!
//! One request line in, one answer line out. Fields are separated by single
//! spaces; byte strings are lowercase hex, "-" when empty; counts and status
//! codes are decimal. Answers start with
//!   ok ...            the command worked; its results follow
//!   fail <reason...>  the crate rejected the input (expected in tamper tests)
//!   panic <reason...> the crate panicked (caught, the peer keeps running)
//!   err <reason...>   the command itself was malformed (a test bug)
//!
//! A Binary HTTP message is described by the same fields both ways ("msg"):
//!   req <k|i> <method> <scheme> <authority> <path> <fields> <content> <fields>
//!   res <k|i> <ninfo> {<status> <fields>}* <status> <fields> <content> <fields>
//! where <fields> is a count followed by that many <name> <value> pairs, the
//! first section being the header and the last the trailer, and k|i is the
//! framing (known or indeterminate length). When the peer decodes a message it
//! reads the framing from the first byte; when it encodes one it uses it.
//!
//! Commands (keyid decimal; ids are handles the peer hands out):
//!   keyconfig <keyid> <kdf:aead,...>  new server key; ok <KeyConfig>
//!   keylist <keyid>...                ok <application/ohttp-keys of those>
//!   parselist <keys>                  decode_list, re-encode each:
//!                                     ok <n> <KeyConfig>...
//!   open <keyid> <request>            Server::decapsulate, bhttp decode:
//!                                     ok <id> <plaintext> <msg>
//!   respond <id> <msg>                encode, ServerResponse::encapsulate:
//!                                     ok <plaintext> <response>
//!   sopen <keyid> <request>           chunked: decapsulate_stream, read all:
//!                                     ok <id> <plaintext> <msg>
//!   sbegin <id> <msg>                 encode msg (kept to be sent), start the
//!                                     chunked response: ok <plaintext> <bytes>
//!   swrite <id> <n>                   one write of the next n plaintext
//!                                     bytes, then flush: ok <new bytes>
//!   sclose <id>                       close (writes the final chunk):
//!                                     ok <new bytes>
//!   seal <KeyConfig> <msg>            ClientRequest::encapsulate:
//!                                     ok <id> <plaintext> <request>
//!   unseal <id> <response>            ClientResponse::decapsulate, decode:
//!                                     ok <plaintext> <msg>
//!   sseal <KeyConfig> <sizes> <msg>   chunked request written in pieces of
//!                                     the given sizes (comma list, the rest
//!                                     in one more write), closed:
//!                                     ok <id> <plaintext> <request>
//!   sunseal <id> <response>           chunked response read to the end,
//!                                     decoded: ok <plaintext> <msg>
//!
//! The peer exits at end of input.

use std::{
    cell::RefCell,
    collections::HashMap,
    fmt::Write as _,
    io::{self, BufRead, Cursor, Write},
    panic::{self, AssertUnwindSafe},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use bhttp::{ControlData, Message, Mode, StatusCode};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, executor::block_on};
use ohttp::{
    ClientRequest, ClientResponse, KeyConfig, Server, ServerResponse, SymmetricSuite,
    hpke::{Aead, Kdf, Kem},
};

/// An AsyncWrite that appends to a buffer the test can drain between writes,
/// so that the chunks of a streamed message leave the peer as they are made.
#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Sink {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

impl AsyncWrite for Sink {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.borrow_mut().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

// The crate's stream types cannot be named (they live in a private module),
// so what the peer keeps of them is boxed behind traits.
type Writer = Pin<Box<dyn AsyncWrite>>;
type Reader = Pin<Box<dyn AsyncRead>>;
/// A chunked request that was read: makes the writer of its response.
type StartResponse = Box<dyn FnOnce(Sink) -> Result<Writer, ohttp::Error>>;
/// A chunked request that was sent: makes the reader of its response.
type ReadResponse = Box<dyn FnOnce(Vec<u8>) -> Result<Reader, ohttp::Error>>;

/// A chunked response on its way out.
struct Outgoing {
    writer: Writer,
    sink: Sink,
    plaintext: Vec<u8>,
    sent: usize,
}

#[derive(Default)]
struct State {
    servers: HashMap<u8, Server>,
    next_id: u32,
    /// Plain exchanges opened by the server, waiting for `respond`.
    plain_server: HashMap<u32, ServerResponse>,
    /// Chunked requests read by the server, waiting for `sbegin`.
    stream_server: HashMap<u32, StartResponse>,
    outgoing: HashMap<u32, Outgoing>,
    /// Client exchanges waiting for their response.
    plain_client: HashMap<u32, ClientResponse>,
    stream_client: HashMap<u32, ReadResponse>,
}

impl State {
    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }
}

/// A result whose error is (verdict, reason): "err" or "fail", and why.
type Res<T> = Result<T, (&'static str, String)>;
/// What a command answers: the fields after "ok".
type Answer = Res<Vec<String>>;

fn bad<T>(why: impl Into<String>) -> Res<T> {
    Err(("err", why.into()))
}

fn rejected<T>(why: impl std::fmt::Display) -> Res<T> {
    Err(("fail", why.to_string()))
}

fn hex(b: &[u8]) -> String {
    if b.is_empty() {
        return "-".into();
    }
    let mut s = String::with_capacity(2 * b.len());
    for x in b {
        write!(s, "{x:02x}").unwrap();
    }
    s
}

fn unhex(s: &str) -> Res<Vec<u8>> {
    if s == "-" {
        return Ok(Vec::new());
    }
    if !s.len().is_multiple_of(2) {
        return bad(format!("odd-length hex field ({} digits)", s.len()));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .or_else(|_| bad("a field is not hex"))
}

/// The fields of one request line, consumed in order.
struct Args<'a>(std::str::SplitAsciiWhitespace<'a>);

impl Args<'_> {
    fn next(&mut self) -> Res<&str> {
        self.0.next().map_or_else(|| bad("too few fields"), Ok)
    }
    fn bytes(&mut self) -> Res<Vec<u8>> {
        unhex(self.next()?)
    }
    fn num<T: std::str::FromStr>(&mut self) -> Res<T> {
        let s = self.next()?;
        s.parse().or_else(|_| bad(format!("not a number: {s}")))
    }
    fn end(&mut self) -> Res<()> {
        match self.0.next() {
            None => Ok(()),
            Some(_) => bad("too many fields"),
        }
    }
}

// ---------------------------------------------------------------------------
// Binary HTTP messages <-> fields
// ---------------------------------------------------------------------------

fn read_mode(a: &mut Args) -> Res<Mode> {
    match a.next()? {
        "k" => Ok(Mode::KnownLength),
        "i" => Ok(Mode::IndeterminateLength),
        m => bad(format!("framing {m} is neither k nor i")),
    }
}

fn read_fields(a: &mut Args) -> Res<Vec<(Vec<u8>, Vec<u8>)>> {
    let n: usize = a.num()?;
    (0..n).map(|_| Ok((a.bytes()?, a.bytes()?))).collect()
}

/// Builds a message from its description and encodes it with the crate.
fn build_message(a: &mut Args) -> Res<Vec<u8>> {
    let kind = a.next()?.to_owned();
    let mode = read_mode(a)?;
    let mut msg = match kind.as_str() {
        "req" => {
            let (m, s, au, p) = (a.bytes()?, a.bytes()?, a.bytes()?, a.bytes()?);
            Message::request(m, s, au, p)
        }
        "res" => {
            let ninfo: usize = a.num()?;
            if ninfo != 0 {
                return bad("bhttp 0.8 cannot build informational responses");
            }
            let status: u16 = a.num()?;
            Message::response(StatusCode::try_from(status).or_else(|e| bad(format!("{e}")))?)
        }
        k => return bad(format!("message kind {k}")),
    };
    for (n, v) in read_fields(a)? {
        msg.put_header(n, v);
    }
    msg.write_content(a.bytes()?);
    for (n, v) in read_fields(a)? {
        msg.put_trailer(n, v);
    }
    let mut out = Vec::new();
    msg.write_bhttp(mode, &mut out).or_else(|e| bad(format!("write_bhttp: {e}")))?;
    Ok(out)
}

fn push_fields(out: &mut Vec<String>, fields: &bhttp::FieldSection) {
    out.push(fields.len().to_string());
    for f in fields.iter() {
        out.push(hex(f.name()));
        out.push(hex(f.value()));
    }
}

/// Decodes a message with the crate and describes it; zero bytes after it
/// are padding, anything else is an error.
fn describe_message(plaintext: &[u8]) -> Answer {
    let mut cur = Cursor::new(plaintext);
    let msg = Message::read_bhttp::<_, Cursor<&[u8]>>(&mut cur)
        .or_else(|e| rejected(format!("bhttp: {e}")))?;
    let rest = &plaintext[usize::try_from(cur.position()).unwrap()..];
    if rest.iter().any(|&b| b != 0) {
        return rejected(format!("bhttp: {} bytes after the message", rest.len()));
    }
    let mode = if plaintext[0] >= 2 { "i" } else { "k" };
    let mut out = Vec::new();
    match msg.control() {
        ControlData::Request { method, scheme, authority, path } => {
            out.extend(["req".into(), mode.into()]);
            out.extend([hex(method), hex(scheme), hex(authority), hex(path)]);
        }
        ControlData::Response(status) => {
            out.extend(["res".into(), mode.into()]);
            out.push(msg.informational().len().to_string());
            for info in msg.informational() {
                out.push(info.status().code().to_string());
                push_fields(&mut out, info.fields());
            }
            out.push(status.code().to_string());
        }
    }
    push_fields(&mut out, msg.header());
    out.push(hex(msg.content()));
    push_fields(&mut out, msg.trailer());
    Ok(out)
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

fn parse_suites(s: &str) -> Res<Vec<SymmetricSuite>> {
    s.split(',')
        .map(|pair| {
            let (kdf, aead) = pair.split_once(':').map_or_else(|| bad("kdf:aead"), Ok)?;
            let kdf = u16::from_str_radix(kdf, 16).or_else(|_| bad("kdf id"))?;
            let aead = u16::from_str_radix(aead, 16).or_else(|_| bad("aead id"))?;
            Ok(SymmetricSuite::new(
                Kdf::try_from(kdf).or_else(|e| bad(format!("kdf {kdf:#x}: {e}")))?,
                Aead::try_from(aead).or_else(|e| bad(format!("aead {aead:#x}: {e}")))?,
            ))
        })
        .collect()
}

fn stream_err(e: io::Error) -> (&'static str, String) {
    ("fail", e.to_string())
}

fn command(state: &mut State, line: &str) -> Answer {
    let mut a = Args(line.split_ascii_whitespace());
    let cmd = a.next()?.to_owned();
    let answer = match cmd.as_str() {
        "keyconfig" => {
            let key_id: u8 = a.num()?;
            let suites = parse_suites(a.next()?)?;
            let config = KeyConfig::new(key_id, Kem::X25519Sha256, suites)
                .or_else(|e| bad(format!("KeyConfig::new: {e}")))?;
            let encoded = config.encode().or_else(|e| bad(format!("encode: {e}")))?;
            state.servers.insert(key_id, Server::new(config).or_else(|e| bad(e.to_string()))?);
            vec![hex(&encoded)]
        }
        "keylist" => {
            let mut configs = Vec::new();
            for id in a.0.by_ref() {
                let id: u8 = id.parse().or_else(|_| bad("key id"))?;
                let server = state.servers.get(&id).map_or_else(|| bad("no such key"), Ok)?;
                configs.push(server.config().clone());
            }
            let list = KeyConfig::encode_list(&configs).or_else(|e| bad(e.to_string()))?;
            vec![hex(&list)]
        }
        "parselist" => {
            let list = a.bytes()?;
            let configs = KeyConfig::decode_list(&list).or_else(rejected)?;
            let mut out = vec![configs.len().to_string()];
            for c in &configs {
                out.push(hex(&c.encode().or_else(rejected)?));
            }
            out
        }
        "open" | "sopen" => {
            let key_id: u8 = a.num()?;
            let request = a.bytes()?;
            let server =
                state.servers.get(&key_id).map_or_else(|| bad("no such key"), Ok)?.clone();
            let id = state.id();
            let plaintext = if cmd == "open" {
                let (plaintext, response) = server.decapsulate(&request).or_else(rejected)?;
                state.plain_server.insert(id, response);
                plaintext
            } else {
                let mut reader =
                    server.decapsulate_stream(futures::io::Cursor::new(request));
                let mut plaintext = Vec::new();
                block_on(reader.read_to_end(&mut plaintext)).map_err(stream_err)?;
                state.stream_server.insert(
                    id,
                    Box::new(move |sink| Ok(Box::pin(reader.response(sink)?) as Writer)),
                );
                plaintext
            };
            let mut out = vec![id.to_string(), hex(&plaintext)];
            out.extend(describe_message(&plaintext)?);
            out
        }
        "respond" => {
            let id: u32 = a.num()?;
            let response = state.plain_server.remove(&id).map_or_else(|| bad("no such id"), Ok)?;
            let plaintext = build_message(&mut a)?;
            let sealed = response.encapsulate(&plaintext).or_else(|e| bad(e.to_string()))?;
            vec![hex(&plaintext), hex(&sealed)]
        }
        "sbegin" => {
            let id: u32 = a.num()?;
            let request = state.stream_server.remove(&id).map_or_else(|| bad("no such id"), Ok)?;
            let plaintext = build_message(&mut a)?;
            let sink = Sink::default();
            let mut writer = request(sink.clone()).or_else(|e| bad(e.to_string()))?;
            // The response nonce sits in the writer's buffer until a flush.
            block_on(writer.flush()).or_else(|e| bad(e.to_string()))?;
            let out = vec![hex(&plaintext), hex(&sink.take())];
            state.outgoing.insert(id, Outgoing { writer, sink, plaintext, sent: 0 });
            out
        }
        "swrite" => {
            let id: u32 = a.num()?;
            let n: usize = a.num()?;
            let o = state.outgoing.get_mut(&id).map_or_else(|| bad("no such id"), Ok)?;
            if n == 0 || o.sent + n > o.plaintext.len() {
                return bad("write past the end of the message");
            }
            block_on(o.writer.write_all(&o.plaintext[o.sent..o.sent + n]))
                .or_else(|e| bad(e.to_string()))?;
            block_on(o.writer.flush()).or_else(|e| bad(e.to_string()))?;
            o.sent += n;
            vec![hex(&o.sink.take())]
        }
        "sclose" => {
            let id: u32 = a.num()?;
            let mut o = state.outgoing.remove(&id).map_or_else(|| bad("no such id"), Ok)?;
            if o.sent != o.plaintext.len() {
                return bad("close before the whole message was written");
            }
            block_on(o.writer.close()).or_else(|e| bad(e.to_string()))?;
            vec![hex(&o.sink.take())]
        }
        "seal" => {
            let config = a.bytes()?;
            let plaintext = build_message(&mut a)?;
            let client = ClientRequest::from_encoded_config(&config).or_else(rejected)?;
            let (request, response) = client.encapsulate(&plaintext).or_else(rejected)?;
            let id = state.id();
            state.plain_client.insert(id, response);
            vec![id.to_string(), hex(&plaintext), hex(&request)]
        }
        "unseal" | "sunseal" => {
            let id: u32 = a.num()?;
            let response = a.bytes()?;
            let plaintext = if cmd == "unseal" {
                let client = state.plain_client.remove(&id).map_or_else(|| bad("no such id"), Ok)?;
                client.decapsulate(&response).or_else(rejected)?
            } else {
                let client =
                    state.stream_client.remove(&id).map_or_else(|| bad("no such id"), Ok)?;
                let mut reader = client(response).or_else(|e| bad(e.to_string()))?;
                let mut plaintext = Vec::new();
                block_on(reader.read_to_end(&mut plaintext)).map_err(stream_err)?;
                plaintext
            };
            let mut out = vec![hex(&plaintext)];
            out.extend(describe_message(&plaintext)?);
            out
        }
        "sseal" => {
            let config = a.bytes()?;
            let sizes: Vec<usize> = match a.next()? {
                "-" => Vec::new(),
                s => s
                    .split(',')
                    .map(|n| n.parse().or_else(|_| bad("piece size")))
                    .collect::<Result<_, _>>()?,
            };
            let plaintext = build_message(&mut a)?;
            let client = ClientRequest::from_encoded_config(&config).or_else(rejected)?;
            let sink = Sink::default();
            let mut writer = client.encapsulate_stream(sink.clone()).or_else(rejected)?;
            let mut at = 0_usize;
            for n in sizes.into_iter().chain(std::iter::once(usize::MAX)) {
                let end = plaintext.len().min(at.saturating_add(n));
                if end > at {
                    block_on(writer.write_all(&plaintext[at..end]))
                        .or_else(|e| bad(e.to_string()))?;
                    block_on(writer.flush()).or_else(|e| bad(e.to_string()))?;
                }
                at = end;
            }
            block_on(writer.close()).or_else(|e| bad(e.to_string()))?;
            let id = state.id();
            let request = sink.take();
            state.stream_client.insert(
                id,
                Box::new(move |response| {
                    Ok(Box::pin(writer.response(futures::io::Cursor::new(response))?) as Reader)
                }),
            );
            vec![id.to_string(), hex(&plaintext), hex(&request)]
        }
        c => return bad(format!("unknown command {c}")),
    };
    a.end()?;
    Ok(answer)
}

fn main() {
    ohttp::init();
    // A panic inside the crates is reported on the answer line; stderr (the
    // test log) gets one line saying where, instead of a backtrace.
    panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        eprintln!("ohttp-interop: panic at {}", at.unwrap_or_default());
    }));
    let stdin = io::stdin();
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let mut state = State::default();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let result = panic::catch_unwind(AssertUnwindSafe(|| command(&mut state, &line)));
        let answer = match result {
            Ok(Ok(fields)) => format!("ok {}", fields.join(" ")),
            Ok(Err((verdict, why))) => format!("{verdict} {}", why.replace('\n', " ")),
            Err(p) => {
                let why = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "(no message)".into());
                format!("panic {}", why.replace('\n', " "))
            }
        };
        let answer = answer.trim_end();
        if writeln!(stdout, "{answer}").and_then(|()| stdout.flush()).is_err() {
            break;
        }
    }
}
