//! The rules for a new password: long enough, not absurdly long, and not guessable.

/// A password that passed the rules. Its text is never logged or shown.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    Missing,
    TooShort,
    TooLong,
    Mismatch,
    /// Guessable, with the strength estimator's reason when it gives one.
    Weak(Option<String>),
}

impl NewPassword {
    /// Counted in Unicode characters, not bytes.
    pub const MIN: usize = 8;
    pub const MAX: usize = 256;
    /// The strength estimate looks at this many characters (of the password and of each
    /// related input): its cost grows steeply with length, and a password this long is
    /// strong or weak in its first hundred characters already.
    pub const STRENGTH_CHECKED: usize = 100;

    /// The checks that cost nothing: present, length, confirmation.
    fn check_shape(password: &str, confirmation: &str) -> Result<(), PasswordProblem> {
        if password.is_empty() {
            return Err(PasswordProblem::Missing);
        }
        let len = password.chars().count();
        if len < Self::MIN {
            return Err(PasswordProblem::TooShort);
        }
        if len > Self::MAX {
            return Err(PasswordProblem::TooLong);
        }
        if password != confirmation {
            return Err(PasswordProblem::Mismatch);
        }
        Ok(())
    }

    /// Checks length, confirmation and strength. `related` are the user's other inputs
    /// (username, email), which make a password weak when it contains them.
    pub fn parse(
        password: &str,
        confirmation: &str,
        related: &[&str],
    ) -> Result<Self, PasswordProblem> {
        Self::check_shape(password, confirmation)?;
        let head = |s: &str| -> String { s.chars().take(Self::STRENGTH_CHECKED).collect() };
        let related: Vec<String> = related.iter().map(|r| head(r)).collect();
        let related: Vec<&str> = related.iter().map(String::as_str).collect();
        let estimate = zxcvbn::zxcvbn(&head(password), &related);
        if (estimate.score() as u8) < 3 {
            let reason = estimate
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()))
                .filter(|w| !w.is_empty())
                .map(|w| if w.ends_with('.') { w } else { format!("{w}.") });
            return Err(PasswordProblem::Weak(reason));
        }
        Ok(Self(password.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &str = "correct horse battery staple 42";

    #[test]
    fn a_strong_password_passes() {
        assert!(NewPassword::parse(STRONG, STRONG, &[]).is_ok());
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        // Seven characters, many bytes: still too short.
        let seven = "ñøßüéåç";
        assert_eq!(
            NewPassword::parse(seven, seven, &[]).unwrap_err(),
            PasswordProblem::TooShort
        );
        let long = "x".repeat(NewPassword::MAX + 1);
        assert_eq!(
            NewPassword::parse(&long, &long, &[]).unwrap_err(),
            PasswordProblem::TooLong
        );
        // 128 characters are allowed (and strong enough when varied).
        let ok: String = (0..128)
            .map(|i| char::from(b'!' + (i * 7 % 90) as u8))
            .collect();
        assert!(NewPassword::parse(&ok, &ok, &[]).is_ok());
    }

    #[test]
    fn common_and_personal_passwords_are_weak_with_a_reason() {
        for weak in ["password123", "qwertyuiop", "iloveyou1"] {
            match NewPassword::parse(weak, weak, &[]) {
                Err(PasswordProblem::Weak(Some(reason))) => assert!(!reason.is_empty()),
                other => panic!("{weak} was {other:?}"),
            }
        }
        assert!(matches!(
            NewPassword::parse("alice_in_2024", "alice_in_2024", &["alice_in_2024"]),
            Err(PasswordProblem::Weak(_))
        ));
    }

    #[test]
    fn only_the_first_hundred_characters_are_estimated() {
        // A hundred repeated letters, then a long random-looking tail: strong as a whole, but
        // the estimator never sees the tail, so the password is weak.
        let tail: String = (0..120)
            .map(|i| char::from(b'!' + (i * 37 % 90) as u8))
            .collect();
        let capped = format!("{}{tail}", "a".repeat(NewPassword::STRENGTH_CHECKED));
        assert!(matches!(
            NewPassword::parse(&capped, &capped, &[]),
            Err(PasswordProblem::Weak(_))
        ));
        // The same tail inside the first hundred characters makes it strong.
        let early = format!("{}{tail}", "a".repeat(10));
        assert!(NewPassword::parse(&early, &early, &[]).is_ok());
    }

    #[test]
    fn missing_and_mismatched_passwords_are_named() {
        assert_eq!(
            NewPassword::parse("", "", &[]).unwrap_err(),
            PasswordProblem::Missing
        );
        assert_eq!(
            NewPassword::parse(STRONG, "other", &[]).unwrap_err(),
            PasswordProblem::Mismatch
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let p = NewPassword::parse(STRONG, STRONG, &[]).expect("strong");
        assert!(!format!("{p:?}").contains("horse"));
    }
}
