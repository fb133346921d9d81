use std::fmt;

/// Why a username is not acceptable; the words are in `templates/copy.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameProblem {
    Missing,
    TooShort,
    TooLong,
    Characters,
}

/// 3 to 32 characters of ASCII letters, digits and `._-`, unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN: usize = 3;
    pub const MAX: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, UsernameProblem> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(UsernameProblem::Missing);
        }
        let len = name.chars().count();
        if len < Self::MIN {
            return Err(UsernameProblem::TooShort);
        }
        if len > Self::MAX {
            return Err(UsernameProblem::TooLong);
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(UsernameProblem::Characters);
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
        assert_eq!(Username::parse(""), Err(UsernameProblem::Missing));
        assert_eq!(Username::parse("ab"), Err(UsernameProblem::TooShort));
        assert_eq!(
            Username::parse(&"x".repeat(33)),
            Err(UsernameProblem::TooLong)
        );
        for bad in ["has space", "émile", "<script>", "a/b", "semi;colon"] {
            assert_eq!(
                Username::parse(bad),
                Err(UsernameProblem::Characters),
                "{bad}"
            );
        }
    }
}
