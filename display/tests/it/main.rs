//! Integration tests of the hall board's voice, through the public API only: the shipped voice
//! pack, rendered announcements written as WAV files, the player's queue on a test output that
//! captures every sample, and (in child processes) rodio's real default output on ALSA.

mod alsa;
mod pack;
mod queue;
mod util;
