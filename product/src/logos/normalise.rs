//! Turning what a provider sent as a coin's picture into a small PNG of our own: raster
//! formats only, recognised by their first bytes (never by the `Content-Type`, which the
//! sender chooses), dimensions read from the header and checked before a pixel is decoded
//! (a few bytes can claim a picture of gigabytes), then decoded, fitted into a square and
//! encoded again, so nothing the provider sent reaches a visitor verbatim.

use super::Logo;
use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The largest body accepted, in bytes.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// The side of the square PNG served: twice the largest size pages draw (40 px on a coin
/// page), for sharp logos on high-density screens.
pub const SIDE: u32 = 64;
/// What decoding may allocate: a 4096 × 4096 RGBA picture and room to spare.
const MAX_ALLOC: u64 = 80 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum NormaliseError {
    #[error("the body is not a PNG, JPEG, WebP or GIF image")]
    NotRaster,
    #[error("the body is larger than {MAX_BYTES} bytes")]
    TooManyBytes,
    #[error("the image is {width} × {height} px, more than {MAX_SIDE} px on a side")]
    TooLarge { width: u32, height: u32 },
    #[error("the image could not be decoded")]
    Decode(#[source] image::ImageError),
    #[error("the image could not be encoded as PNG")]
    Encode(#[source] image::ImageError),
}

/// The raster format `bytes` start with, by their magic numbers.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// `bytes` as a [`SIDE`]-pixel square PNG: the picture scaled to fit, centred, on
/// transparency.
pub fn normalise(bytes: &[u8]) -> Result<Logo, NormaliseError> {
    if bytes.len() > MAX_BYTES {
        return Err(NormaliseError::TooManyBytes);
    }
    let format = sniff(bytes).ok_or(NormaliseError::NotRaster)?;
    let mut header = ImageReader::with_format(Cursor::new(bytes), format);
    // The header alone: what it claims is checked here, with our own bound, not the decoder's.
    header.no_limits();
    let (width, height) = header.into_dimensions().map_err(NormaliseError::Decode)?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(NormaliseError::TooLarge { width, height });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let picture = reader.decode().map_err(NormaliseError::Decode)?;
    let scaled = picture
        .resize(SIDE, SIDE, image::imageops::FilterType::Triangle)
        .to_rgba8();
    let mut square = image::RgbaImage::new(SIDE, SIDE);
    let x = i64::from((SIDE - scaled.width()) / 2);
    let y = i64::from((SIDE - scaled.height()) / 2);
    image::imageops::overlay(&mut square, &scaled, x, y);
    let mut png = Vec::new();
    square
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(NormaliseError::Encode)?;
    Ok(Logo::from_png(png))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A `width` × `height` picture in `format`, half red, half blue.
    pub(crate) fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                image::Rgb([200, 30, 30])
            } else {
                image::Rgb([30, 30, 200])
            }
        });
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .expect("encodes");
        bytes
    }

    /// A PNG whose header claims `width` × `height` and whose pixels are missing.
    pub(crate) fn png_header_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = picture(8, 8, ImageFormat::Png);
        // IHDR's width and height follow the signature (8), the length (4) and the type (4).
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        // The chunk's CRC covers its type and data (12..29), and sits after them.
        let mut crc = flate2::Crc::new();
        crc.update(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        bytes
    }

    #[test]
    fn png_jpeg_and_gif_become_a_square_png_of_our_own() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif] {
            let original = picture(200, 100, format);
            let logo = normalise(&original).expect("a logo");
            assert_ne!(logo.png(), &original[..], "{format:?} was re-encoded");
            let decoded =
                image::load_from_memory_with_format(logo.png(), ImageFormat::Png).expect("a PNG");
            assert_eq!(
                (decoded.width(), decoded.height()),
                (SIDE, SIDE),
                "{format:?}"
            );
            let rgba = decoded.to_rgba8();
            assert_eq!(rgba.get_pixel(0, 0)[3], 0, "letterboxed on transparency");
            assert!(rgba.get_pixel(5, 32)[0] > 150, "{format:?}: left half red");
            assert!(
                rgba.get_pixel(58, 32)[2] > 150,
                "{format:?}: right half blue"
            );
        }
    }

    #[test]
    fn the_same_picture_always_gives_the_same_bytes_and_hash() {
        let original = picture(32, 32, ImageFormat::Png);
        let (a, b) = (normalise(&original), normalise(&original));
        assert_eq!(a.expect("a").hash(), b.expect("b").hash());
    }

    #[test]
    fn formats_are_told_by_their_first_bytes() {
        assert_eq!(
            sniff(&picture(4, 4, ImageFormat::Png)),
            Some(ImageFormat::Png)
        );
        assert_eq!(
            sniff(&picture(4, 4, ImageFormat::Jpeg)),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(
            sniff(&picture(4, 4, ImageFormat::Gif)),
            Some(ImageFormat::Gif)
        );
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageFormat::WebP));
        for not_raster in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"<!doctype html><title>Not found</title>",
            b"RIFF\0\0\0\0WAVEfmt ",
            b"",
        ] {
            assert_eq!(sniff(not_raster), None);
            assert!(matches!(
                normalise(not_raster),
                Err(NormaliseError::NotRaster)
            ));
        }
    }

    #[test]
    fn a_header_claiming_a_huge_picture_is_refused_before_decoding() {
        let bomb = png_header_claiming(100_000, 16);
        match normalise(&bomb) {
            Err(NormaliseError::TooLarge { width, height }) => {
                assert_eq!((width, height), (100_000, 16));
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        let at_the_limit = png_header_claiming(MAX_SIDE, 1);
        assert!(
            !matches!(
                normalise(&at_the_limit),
                Err(NormaliseError::TooLarge { .. })
            ),
            "{MAX_SIDE} px is allowed (its pixels are missing, so it fails to decode instead)"
        );
    }

    #[test]
    fn a_body_over_the_cap_is_refused_and_a_truncated_one_fails_to_decode() {
        let mut big = picture(4, 4, ImageFormat::Png);
        big.resize(MAX_BYTES + 1, 0);
        assert!(matches!(normalise(&big), Err(NormaliseError::TooManyBytes)));
        let truncated = &picture(64, 64, ImageFormat::Png)[..40];
        assert!(matches!(
            normalise(truncated),
            Err(NormaliseError::Decode(_))
        ));
    }
}
