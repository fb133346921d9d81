//! The listing as signed-in viewers see it, rendered once per snapshot, query and moment with
//! markers where one viewer's own parts go: their name, their CSRF token, and each row (with
//! or without their watch mark). A request then only fills the markers in, which is copying
//! bytes, instead of rendering the page.
//!
//! The markers are control characters that no template writes and the HTML escaper leaves
//! alone. If one turns up anywhere else (a search for one, say), the page cannot be split
//! safely and is rendered whole instead.

use super::rows::{Marks, RenderedRows};
use askama::Template;
use shared_ui::template_prelude::*;

const MARK: char = '\u{1}';
pub(crate) const NAME: &str = "\u{1}N\u{1}";
pub(crate) const TOKEN: &str = "\u{1}T\u{1}";

/// The marker of the snapshot's `index`th row.
pub(crate) fn row_marker(index: usize) -> String {
    format!("{MARK}R{index}{MARK}")
}

/// A viewer's context as the shell is rendered with: markers for their name and token.
pub(crate) fn marked_context(mut ctx: PageContext) -> PageContext {
    if let Some(viewer) = &mut ctx.viewer {
        viewer.display_name = NAME.to_owned();
    }
    ctx.csrf_token = TOKEN.to_owned();
    ctx
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(Box<str>),
    Name,
    Token,
    Row(usize),
}

/// A signed-in listing with its personal parts left out.
#[derive(Debug)]
pub(crate) struct Shell {
    pieces: Vec<Piece>,
    text_len: usize,
}

/// A value as the templates write it into HTML: escaped by askama itself.
#[derive(Template)]
#[template(source = "{{ value }}", ext = "html")]
struct Escaped<'a> {
    value: &'a str,
}

impl Shell {
    /// Splits a page rendered with markers, or `None` if it holds a stray marker.
    pub(crate) fn parse(rendered: &str) -> Option<Self> {
        let mut pieces = Vec::new();
        let mut text_len = 0;
        // Between markers: text, marker, text, marker, ..., text.
        for (n, part) in rendered.split(MARK).enumerate() {
            if n.is_multiple_of(2) {
                if !part.is_empty() {
                    text_len += part.len();
                    pieces.push(Piece::Text(part.into()));
                }
                continue;
            }
            pieces.push(match part {
                "N" => Piece::Name,
                "T" => Piece::Token,
                _ => Piece::Row(part.strip_prefix('R')?.parse().ok()?),
            });
        }
        // An odd number of marker characters leaves the last one unclosed.
        if !rendered.matches(MARK).count().is_multiple_of(2) {
            return None;
        }
        Some(Self { pieces, text_len })
    }

    /// The page for one viewer.
    pub(crate) fn fill(
        &self,
        name: &str,
        token: &str,
        rows: &RenderedRows,
        marks: &Marks,
    ) -> Result<String, askama::Error> {
        let name = Escaped { value: name }.render()?;
        let token = Escaped { value: token }.render()?;
        let mut out = String::with_capacity(self.text_len + 64 * 1024);
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Name => out.push_str(&name),
                Piece::Token => out.push_str(&token),
                Piece::Row(index) => {
                    let row = rows.get(*index, marks.is_marked(*index)).ok_or_else(|| {
                        askama::Error::Custom("a shell names a row its snapshot lacks".into())
                    })?;
                    out.push_str(row);
                }
            }
        }
        Ok(out)
    }

    /// Bytes held, for the cache's budget.
    pub(crate) fn weight(&self) -> usize {
        self.text_len + self.pieces.len() * std::mem::size_of::<Piece>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_become_pieces_and_stray_markers_refuse_the_page() {
        let page = format!("<p>{NAME}</p><i>{TOKEN}</i>{}<b>", row_marker(12));
        let shell = Shell::parse(&page).expect("a shell");
        assert_eq!(
            shell.pieces,
            vec![
                Piece::Text("<p>".into()),
                Piece::Name,
                Piece::Text("</p><i>".into()),
                Piece::Token,
                Piece::Text("</i>".into()),
                Piece::Row(12),
                Piece::Text("<b>".into()),
            ]
        );
        assert!(Shell::parse("search for \u{1}").is_none());
        assert!(Shell::parse("\u{1}X\u{1}").is_none());
        assert!(Shell::parse("\u{1}Rx\u{1}").is_none());
    }

    #[test]
    fn a_name_is_escaped_as_the_template_would() {
        let shell = Shell::parse(&format!("<span>{NAME}</span>")).expect("a shell");
        let rows = RenderedRows::empty();
        let page = shell
            .fill("<b>Eve & co</b>", "t", &rows, &Marks::none())
            .expect("filled");
        assert_eq!(page, "<span>&#60;b&#62;Eve &#38; co&#60;/b&#62;</span>");
    }
}
