//! A coin's logo where we have none of our own: its ticker's first letters on a coloured disc.
//! Drawn inline, so pages need no external images (the CSP allows none).

/// How many disc colours the stylesheet defines (`.monogram-0` …).
const PALETTE: u64 = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monogram {
    /// One to three upper-case letters or digits.
    pub letters: String,
    /// Which of the stylesheet's colours, fixed per coin.
    pub palette: u64,
    pub font_size: u8,
}

impl Monogram {
    pub fn new(id: &str, symbol: &str, name: &str) -> Self {
        let from = |s: &str| -> String {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(3)
                .collect::<String>()
                .to_ascii_uppercase()
        };
        let mut letters = from(symbol);
        if letters.is_empty() {
            letters = from(name);
        }
        if letters.is_empty() {
            letters = "?".to_owned();
        }
        let font_size = match letters.len() {
            1 => 16,
            2 => 13,
            _ => 10,
        };
        let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        Self {
            letters,
            palette: hash % PALETTE,
            font_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_come_from_the_ticker_or_else_the_name() {
        assert_eq!(Monogram::new("bitcoin", "btc", "Bitcoin").letters, "BTC");
        assert_eq!(Monogram::new("x", "1inch", "1inch").letters, "1IN");
        assert_eq!(Monogram::new("x", "$", "Dollar").letters, "DOL");
        assert_eq!(Monogram::new("x", "ü", "☃").letters, "?");
        assert_eq!(Monogram::new("x", "op", "Optimism").font_size, 13);
    }

    #[test]
    fn a_coin_keeps_its_colour() {
        assert_eq!(
            Monogram::new("bitcoin", "btc", "").palette,
            Monogram::new("bitcoin", "xyz", "").palette
        );
        assert!(Monogram::new("ethereum", "eth", "").palette < PALETTE);
    }
}
