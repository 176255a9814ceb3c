//! Integration tests of the server over real sockets: one binary (ripgrep style), one `util`.

#![allow(unreachable_pub, missing_docs)]

mod bad_input;
mod crash;
mod hall_day;
mod live;
mod race;
mod sessions;
mod util;
