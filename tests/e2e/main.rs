//! End-to-end tests of the whole hall: real binaries under Xvfb, and a full hall day over real
//! sockets seen through each app's own model.

#![allow(unreachable_pub, missing_docs)]

mod full_day;
mod opening_hours;
mod smoke;
mod util;
