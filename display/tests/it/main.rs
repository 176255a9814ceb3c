//! Integration tests of the display, through the public API only: the hall board's voice (the
//! shipped voice pack, rendered announcements written as WAV files, the player's queue on a test
//! output that captures every sample, and, in child processes, rodio's real default output on
//! ALSA), the screens against a real server under `egui_kittest` (the rating pad's flows too), and the board's voice through the
//! whole app against that server.

mod alsa;
mod pack;
mod pad;
mod queue;
mod say;
mod screens;
mod server;
mod util;
mod voice;
