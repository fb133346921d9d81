//! The demo's own logos, drawn in code at start: a disc in the coin's colour with a letter
//! on it, for the top few demo coins, so `cargo run` shows real logos with no network. The
//! rest keep their monograms, as coins without a logo do.

use image::{ImageFormat, Rgba, RgbaImage};
use std::io::Cursor;

/// Bumped when the drawings change, so stored copies are replaced.
const DRAWING: &str = "demo-logo-v1";
const SIDE: u32 = 64;

/// Coin id, disc colour, and the letter drawn on it (rows of a 5 × 7 bitmap, top first).
const LOGOS: &[(&str, [u8; 3], [u8; 7])] = &[
    ("bitcoin", [0xf7, 0x93, 0x1a], GLYPH_B),
    ("ethereum", [0x62, 0x7e, 0xea], GLYPH_E),
    ("tether", [0x26, 0xa1, 0x7b], GLYPH_T),
    ("ripple", [0x23, 0x29, 0x2f], GLYPH_X),
    ("solana", [0x99, 0x45, 0xff], GLYPH_S),
    ("usd-coin", [0x27, 0x75, 0xca], GLYPH_U),
    ("dogecoin", [0xc2, 0xa6, 0x33], GLYPH_D),
    ("cardano", [0x00, 0x33, 0xad], GLYPH_A),
];

const GLYPH_A: [u8; 7] = [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11];
const GLYPH_B: [u8; 7] = [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e];
const GLYPH_D: [u8; 7] = [0x1e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1e];
const GLYPH_E: [u8; 7] = [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f];
const GLYPH_S: [u8; 7] = [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e];
const GLYPH_T: [u8; 7] = [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04];
const GLYPH_U: [u8; 7] = [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e];
const GLYPH_X: [u8; 7] = [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11];

/// Each drawn coin's id, the drawing's name (`demo:<id>:<version>`) and its PNG.
pub fn drawn() -> Vec<(&'static str, String, Vec<u8>)> {
    LOGOS
        .iter()
        .filter_map(|(id, colour, glyph)| {
            let mut png = Vec::new();
            draw(*colour, glyph)
                .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
                .ok()?;
            Some((*id, format!("demo:{id}:{DRAWING}"), png))
        })
        .collect()
}

fn draw(colour: [u8; 3], glyph: &[u8; 7]) -> RgbaImage {
    const CELL: u32 = 5;
    let (left, top) = ((SIDE - 5 * CELL) / 2, (SIDE - 7 * CELL) / 2);
    let centre = (SIDE as f32 - 1.0) / 2.0;
    RgbaImage::from_fn(SIDE, SIDE, |x, y| {
        let distance = ((x as f32 - centre).powi(2) + (y as f32 - centre).powi(2)).sqrt();
        // A one-pixel soft edge instead of jagged steps.
        let coverage = (SIDE as f32 / 2.0 - distance).clamp(0.0, 1.0);
        let alpha = (coverage * 255.0).round() as u8;
        let in_glyph = x >= left && y >= top && x < left + 5 * CELL && y < top + 7 * CELL && {
            let (column, row) = ((x - left) / CELL, (y - top) / CELL);
            glyph[row as usize] & (0x10 >> column) != 0
        };
        if in_glyph {
            Rgba([255, 255, 255, alpha])
        } else {
            Rgba([colour[0], colour[1], colour[2], alpha])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_drawing_is_a_disc_with_a_white_letter_on_transparency() {
        let drawn = drawn();
        assert_eq!(drawn.len(), LOGOS.len());
        for (id, source, png) in drawn {
            assert!(source.starts_with(&format!("demo:{id}:")));
            let image = image::load_from_memory(&png).expect("a PNG").to_rgba8();
            assert_eq!(image.get_pixel(0, 0)[3], 0, "{id}: corners are clear");
            let white = image
                .pixels()
                .filter(|p| p.0 == [255, 255, 255, 255])
                .count();
            assert!(white > 100, "{id}: the letter shows ({white} px)");
        }
    }
}
