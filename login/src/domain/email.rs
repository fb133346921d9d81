use std::fmt;
use std::str::FromStr;

/// Why an email address is not acceptable; the words are in `templates/copy.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailProblem {
    Missing,
    TooLong,
    Invalid,
}

/// A syntactically valid email address, unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, EmailProblem> {
        let email = raw.trim();
        if email.is_empty() {
            return Err(EmailProblem::Missing);
        }
        if email.len() > Self::MAX {
            return Err(EmailProblem::TooLong);
        }
        let parsed =
            email_address::EmailAddress::from_str(email).map_err(|_| EmailProblem::Invalid)?;
        // Local delivery addresses (`user@localhost`) are valid syntax but never reach anyone.
        if !parsed.domain().contains('.') || email.chars().any(char::is_whitespace) {
            return Err(EmailProblem::Invalid);
        }
        Ok(Self(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        super::lookup_key(&self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_parse() {
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.co.uk",
            " Name@Example.COM ",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Email::parse("Name@Example.COM").expect("valid").key(),
            "name@example.com"
        );
    }

    #[test]
    fn invalid_addresses_say_why() {
        assert_eq!(Email::parse(""), Err(EmailProblem::Missing));
        for bad in [
            "plain",
            "a@b",
            "@example.com",
            "a@@example.com",
            "a b@example.com",
            "a@localhost",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailProblem::Invalid), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailProblem::TooLong));
    }
}
