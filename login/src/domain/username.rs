use std::fmt;

/// 3 to 32 characters of ASCII letters, digits and `._-`, unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN: usize = 3;
    pub const MAX: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Choose a username.");
        }
        let len = name.chars().count();
        if len < Self::MIN {
            return Err("Your username must be at least 3 characters long.");
        }
        if len > Self::MAX {
            return Err("Your username can be at most 32 characters long.");
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err("Use only letters, digits, dots, dashes and underscores in your username.");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive key that must be unique.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_usernames_parse_and_keep_their_case() {
        for ok in ["abc", "Satoshi_N", "a.b-c_d", "x".repeat(32).as_str()] {
            assert_eq!(Username::parse(ok).expect(ok).as_str(), ok);
        }
        assert_eq!(Username::parse("  Alice ").expect("trimmed").key(), "alice");
    }

    #[test]
    fn invalid_usernames_say_why() {
        assert_eq!(Username::parse(""), Err("Choose a username."));
        assert!(Username::parse("ab").unwrap_err().contains("at least 3"));
        assert!(
            Username::parse(&"x".repeat(33))
                .unwrap_err()
                .contains("at most 32")
        );
        for bad in ["has space", "émile", "<script>", "a/b", "semi;colon"] {
            assert!(
                Username::parse(bad).unwrap_err().contains("Use only"),
                "{bad}"
            );
        }
    }
}
