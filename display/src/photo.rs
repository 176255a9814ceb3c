//! The staff photo on the window screen (亮身份, R19): fetched once per URL from the server
//! (`StaffCard::photo`, a server-relative URL, C2), decoded (PNG or JPEG only), scaled once to
//! at most [`MAX_PHOTO_PX`] and kept as a texture. Anything that goes wrong (no such file on the
//! server, a corrupt or oversized image, no network) is a logged warning and the card shows the
//! name's first character, as without a photo: never a crash, never a blank frame.

use std::collections::HashMap;

use egui::{ColorImage, TextureHandle, TextureOptions};

/// The largest photo kept, in pixels (width, height): more than the card's frame needs on a
/// 4K screen, scaled once so no frame pays for a camera-sized image.
pub const MAX_PHOTO_PX: [u32; 2] = [600, 800];
/// Larger files are refused before decoding.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// Larger images (in either dimension) are refused: a decompression bomb must not take the
/// screen's memory.
const MAX_SOURCE_PX: u32 = 8_000;

/// Why a photo cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// More than [`MAX_PHOTO_BYTES`].
    #[error("the photo is {0} bytes, more than {MAX_PHOTO_BYTES}")]
    TooLarge(usize),
    /// Neither PNG nor JPEG.
    #[error("the photo is neither PNG nor JPEG")]
    Format,
    /// The decoder refused it (corrupt, truncated, too many pixels).
    #[error("the photo cannot be decoded: {0}")]
    Decode(String),
}

/// Decodes a PNG or JPEG and scales it down, keeping its shape, to fit `max` pixels.
pub fn decode(bytes: &[u8], max: [u32; 2]) -> Result<ColorImage, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge(bytes.len()));
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::Format)?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(PhotoError::Format);
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_PX);
    limits.max_image_height = Some(MAX_SOURCE_PX);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|e| PhotoError::Decode(e.to_string()))?;
    let scaled = if decoded.width() > max[0] || decoded.height() > max[1] {
        decoded.resize(max[0], max[1], image::imageops::FilterType::Triangle)
    } else {
        decoded
    };
    let rgba = scaled.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(ColorImage::from_rgba_unmultiplied(size, rgba.as_raw()))
}

/// Whether `photo` is a URL on the hall server that the display fetches with its device key
/// (C2: `/api/v1/staff/{staff_no}/photo`); anything else (a file path from an older server) is
/// not fetched.
pub fn is_server_url(photo: &str) -> bool {
    photo.starts_with('/') && !photo.starts_with("//")
}

enum Entry {
    Loading,
    Ready(TextureHandle),
    Failed,
}

/// The photos of the window screen, by URL: each fetched once, kept while the screen runs.
#[derive(Default)]
pub struct Photos {
    entries: HashMap<String, Entry>,
}

impl std::fmt::Debug for Photos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Photos")
            .field("urls", &self.entries.len())
            .finish()
    }
}

impl Photos {
    /// Marks `url` as being fetched; false when it was asked for already (loading, shown or
    /// failed), so each photo is fetched once.
    pub fn start(&mut self, url: &str) -> bool {
        if self.entries.contains_key(url) {
            return false;
        }
        self.entries.insert(url.to_owned(), Entry::Loading);
        true
    }

    /// Keeps the result of fetching `url`: the texture, or a warning in the log and the
    /// initial on the card.
    pub fn finish(&mut self, ctx: &egui::Context, url: &str, result: Result<ColorImage, String>) {
        let entry = match result {
            Ok(image) => Entry::Ready(ctx.load_texture(
                format!("staff-photo {url}"),
                image,
                TextureOptions::LINEAR,
            )),
            Err(reason) => {
                tracing::warn!(%url, %reason, "staff photo not shown; the card shows the initial");
                Entry::Failed
            }
        };
        self.entries.insert(url.to_owned(), entry);
    }

    /// The photo of `url`, once loaded.
    pub fn texture(&self, url: &str) -> Option<&TextureHandle> {
        match self.entries.get(url) {
            Some(Entry::Ready(texture)) => Some(texture),
            _ => None,
        }
    }

    /// Whether fetching `url` failed (the card shows the initial).
    pub fn failed(&self, url: &str) -> bool {
        matches!(self.entries.get(url), Some(Entry::Failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, format)
            .expect("encode");
        out.into_inner()
    }

    #[test]
    fn png_and_jpeg_are_scaled_once_to_fit_keeping_their_shape() {
        for format in [image::ImageFormat::Png, image::ImageFormat::Jpeg] {
            let photo = decode(&encode(1200, 1600, format), MAX_PHOTO_PX).expect("decodes");
            assert_eq!(photo.size, [600, 800], "{format:?}");
            let wide = decode(&encode(1000, 500, format), MAX_PHOTO_PX).expect("decodes");
            assert_eq!(wide.size, [600, 300], "{format:?}: shape kept");
            let small = decode(&encode(90, 120, format), MAX_PHOTO_PX).expect("decodes");
            assert_eq!(
                small.size,
                [90, 120],
                "{format:?}: small ones are not enlarged"
            );
        }
        // The pixels survive (PNG is lossless): the top-left one is (0, 0, 128).
        let photo = decode(&encode(10, 10, image::ImageFormat::Png), MAX_PHOTO_PX).expect("png");
        assert_eq!(photo.pixels[0], egui::Color32::from_rgb(0, 0, 128));
    }

    #[test]
    fn corrupt_empty_foreign_or_huge_photos_are_errors_not_panics() {
        let png = encode(40, 40, image::ImageFormat::Png);
        assert!(matches!(
            decode(&png[..png.len() / 2], MAX_PHOTO_PX),
            Err(PhotoError::Decode(_))
        ));
        assert_eq!(decode(&[], MAX_PHOTO_PX), Err(PhotoError::Format));
        assert_eq!(decode(b"GIF89a....", MAX_PHOTO_PX), Err(PhotoError::Format));
        assert_eq!(
            decode(&vec![0; MAX_PHOTO_BYTES + 1], MAX_PHOTO_PX),
            Err(PhotoError::TooLarge(MAX_PHOTO_BYTES + 1))
        );
        let bomb = encode(MAX_SOURCE_PX + 1, 1, image::ImageFormat::Png);
        assert!(matches!(
            decode(&bomb, MAX_PHOTO_PX),
            Err(PhotoError::Decode(_))
        ));
    }

    #[test]
    fn each_photo_is_fetched_once_and_a_failure_falls_back_to_the_initial() {
        let ctx = egui::Context::default();
        let mut photos = Photos::default();
        let url = "/api/v1/staff/1001/photo";
        assert!(photos.start(url), "first time: fetch");
        assert!(!photos.start(url), "loading: not again");
        assert!(photos.texture(url).is_none());
        let image = decode(&encode(60, 80, image::ImageFormat::Png), MAX_PHOTO_PX).expect("png");
        photos.finish(&ctx, url, Ok(image));
        assert_eq!(photos.texture(url).map(|t| t.size()), Some([60, 80]));
        assert!(!photos.start(url), "cached");

        let missing = "/api/v1/staff/1002/photo";
        assert!(photos.start(missing));
        photos.finish(&ctx, missing, Err("not_found".into()));
        assert!(photos.texture(missing).is_none() && photos.failed(missing));
        assert!(
            !photos.start(missing),
            "a failure is not retried every frame"
        );

        assert!(is_server_url(url));
        assert!(!is_server_url("photos/1001.jpg"));
        assert!(!is_server_url("//elsewhere.example/x.png"));
    }
}
