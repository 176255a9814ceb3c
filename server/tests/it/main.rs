//! Integration tests of the server over real sockets: one binary (ripgrep style), one `util`.

#![allow(unreachable_pub, missing_docs)]

mod bad_input;
mod book_browser;
mod booking;
mod clock;
mod console;
mod contract;
mod crash;
mod edges;
mod hall_day;
mod live;
mod notices;
mod race;
mod ratings;
mod reports;
mod requests;
mod sessions;
mod trust;
mod util;
