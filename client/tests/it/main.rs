//! Integration tests of the client kit over real sockets on 127.0.0.1: against the real qcall server
//! (started in-process on a fixed free port, with a temporary database and a manual clock) and
//! against tiny fake servers for the failures a real one does not produce on demand; and behind a
//! TLS terminator for `https://` addresses. One binary (ripgrep style), one `util`.

#![allow(unreachable_pub, missing_docs)]

mod assets;
mod dead_link;
mod reconnect;
mod rest;
mod tls;
mod util;
