//! The hall board's still part, drawn once into a texture: with the marquee scrolling inline
//! (`--marquee inline`), each frame is then one screen-sized quad plus the marquee strip, instead
//! of every panel and glyph again. On a PC without a GPU that alone did not lower the cost
//! measurably (Mesa still clears, fills and swaps the whole window each frame; issue 14,
//! `display/tools/idle_cpu.sh`): the default is the marquee in a window of its own
//! ([`crate::view::MarqueePlace::OwnWindow`]), whose frames leave the board alone, and then this
//! layer is not used.
//!
//! How: in a frame whose still part changed (a call, the clock's minute, a blink of the
//! highlight, the link), the view draws everything still as usual, then a paint callback reads
//! the frame buffer back (`egui_glow`'s `read_screen_rgba`, the same readback eframe uses for
//! screenshots), and only then the marquee. The next frames, while nothing still changes, draw
//! that image 1:1 (nearest texels) and the marquee over it. Only the OpenGL renderer can do
//! this; with wgpu, and in the snapshot tests, every frame draws everything.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use egui::{Color32, ColorImage, Rect, TextureHandle, TextureOptions, Ui, pos2};

/// The captured still part of the board, and the capture waiting to be uploaded.
#[derive(Default)]
pub struct StillLayer {
    /// What the texture shows (the key it was captured for).
    key: Option<u64>,
    texture: Option<TextureHandle>,
    /// Filled by the paint callback on the render side, taken by the next frame.
    captured: Arc<Mutex<Option<(u64, ColorImage)>>>,
    /// How many captures were taken, for the log and tests.
    captures: u64,
}

impl std::fmt::Debug for StillLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StillLayer")
            .field("key", &self.key)
            .field("captures", &self.captures)
            .finish_non_exhaustive()
    }
}

/// A key for what the still part shows: equal keys, equal pictures.
pub fn key_of(parts: &impl std::fmt::Debug) -> u64 {
    let mut hasher = DefaultHasher::new();
    format!("{parts:?}").hash(&mut hasher);
    hasher.finish()
}

impl StillLayer {
    /// Nothing captured yet.
    pub fn new() -> StillLayer {
        StillLayer::default()
    }

    /// How many times the still part was captured.
    pub fn captures(&self) -> u64 {
        self.captures
    }

    /// Draws the still part for `key` from the texture, covering the whole screen, if it has
    /// it; returns false when the caller must draw the still part itself and then call
    /// [`StillLayer::capture`].
    pub fn draw(&mut self, ui: &Ui, key: u64) -> bool {
        let taken = self
            .captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((captured_key, image)) = taken {
            match &mut self.texture {
                Some(texture) => texture.set(image, TextureOptions::NEAREST),
                None => {
                    self.texture = Some(ui.ctx().load_texture(
                        "qcall-board-still",
                        image,
                        TextureOptions::NEAREST,
                    ));
                }
            }
            self.key = Some(captured_key);
        }
        let screen = ui.ctx().content_rect();
        let px = screen.size() * ui.ctx().pixels_per_point();
        let size = [px.x.round() as usize, px.y.round() as usize];
        match &self.texture {
            Some(texture) if self.key == Some(key) && texture.size() == size => {
                let uv = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
                ui.painter().image(texture.id(), screen, uv, Color32::WHITE);
                true
            }
            _ => false,
        }
    }

    /// Reads back what was drawn so far this frame (the still part) as the picture of `key`;
    /// call it after the still part and before anything that moves.
    pub fn capture(&mut self, ui: &Ui, key: u64) {
        self.captures += 1;
        tracing::debug!(captures = self.captures, key, "board still part captured");
        let slot = self.captured.clone();
        let callback = eframe::egui_glow::CallbackFn::new(move |info, painter| {
            let mut image = painter.read_screen_rgba(info.screen_size_px);
            // The frame buffer's alpha is not the picture's: the board is opaque.
            for p in &mut image.pixels {
                *p = Color32::from_rgb(p.r(), p.g(), p.b());
            }
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some((key, image));
        });
        ui.painter().add(egui::PaintCallback {
            rect: ui.ctx().content_rect(),
            callback: Arc::new(callback),
        });
        // The next frame uploads it; without a repaint it would wait for the next change.
        ui.ctx().request_repaint();
    }
}
