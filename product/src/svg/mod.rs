//! Geometry for the SVG drawn on the server: sparklines, price charts and coin monograms.
//! Functions here turn numbers into coordinates and path data; the templates write the
//! markup (escaped like everything else), and style comes from classes and presentation
//! attributes, never `style`, which the CSP forbids.

pub mod monogram;
pub mod price_chart;
pub mod sparkline;

/// Formats a coordinate compactly: one decimal, no `-0.0`.
fn coord(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0".to_owned()
    } else {
        format!("{rounded}")
    }
}

/// Path data through `points`: `M x y L x y …`.
fn polyline(points: &[(f64, f64)]) -> String {
    let mut d = String::with_capacity(points.len() * 12);
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(if i == 0 { "M" } else { " L" });
        d.push_str(&coord(*x));
        d.push(' ');
        d.push_str(&coord(*y));
    }
    d
}
