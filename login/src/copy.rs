//! Which sentence to show, by name. The words live in `templates/copy.txt`, where marketing
//! edits them without touching Rust; the build checks that every case has its words.

use crate::domain::{EmailProblem, PasswordProblem, UsernameProblem};
use askama::Template;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    UsernameMissing,
    UsernameTooShort {
        min: usize,
    },
    UsernameTooLong {
        max: usize,
    },
    UsernameCharacters,
    UsernameTaken,
    EmailMissing,
    EmailTooLong,
    EmailInvalid,
    EmailTaken,
    PasswordMissing,
    PasswordTooShort {
        min: usize,
    },
    PasswordTooLong {
        max: usize,
    },
    PasswordMismatch,
    /// Guessable; `reason` is the strength estimator's own explanation when it has one.
    PasswordWeak {
        reason: Option<String>,
    },
    PasswordBreached,
    MissingCredentials,
    WrongCredentials,
    CurrentPasswordMissing,
    CurrentPasswordWrong,
    ConfirmUsername {
        username: String,
    },
    Registered {
        username: String,
    },
    WelcomeBack {
        username: String,
    },
    PasswordChanged,
    SessionEnded,
    SessionAlreadyEnded,
    OtherSessionsEnded {
        count: usize,
    },
    EmailChanged,
    AccountDeleted,
    LoggedOut,
    NotLoggedIn,
}

#[derive(Template)]
#[template(path = "copy.txt")]
struct TextTemplate<'a> {
    copy: &'a Text,
}

impl Text {
    /// The sentence, as marketing wrote it.
    pub fn text(&self) -> String {
        TextTemplate { copy: self }
            .render()
            .map(|t| t.trim().to_owned())
            .unwrap_or_else(|_| format!("{self:?}"))
    }
}

impl From<UsernameProblem> for Text {
    fn from(problem: UsernameProblem) -> Self {
        match problem {
            UsernameProblem::Missing => Self::UsernameMissing,
            UsernameProblem::TooShort => Self::UsernameTooShort {
                min: crate::domain::Username::MIN,
            },
            UsernameProblem::TooLong => Self::UsernameTooLong {
                max: crate::domain::Username::MAX,
            },
            UsernameProblem::Characters => Self::UsernameCharacters,
        }
    }
}

impl From<EmailProblem> for Text {
    fn from(problem: EmailProblem) -> Self {
        match problem {
            EmailProblem::Missing => Self::EmailMissing,
            EmailProblem::TooLong => Self::EmailTooLong,
            EmailProblem::Invalid => Self::EmailInvalid,
        }
    }
}

impl From<PasswordProblem> for Text {
    fn from(problem: PasswordProblem) -> Self {
        match problem {
            PasswordProblem::Missing => Self::PasswordMissing,
            PasswordProblem::TooShort => Self::PasswordTooShort {
                min: crate::domain::NewPassword::MIN,
            },
            PasswordProblem::TooLong => Self::PasswordTooLong {
                max: crate::domain::NewPassword::MAX,
            },
            PasswordProblem::Mismatch => Self::PasswordMismatch,
            PasswordProblem::Weak(reason) => Self::PasswordWeak { reason },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_has_words_and_fills_its_values() {
        let all = [
            Text::UsernameMissing,
            Text::UsernameTooShort { min: 3 },
            Text::UsernameTooLong { max: 32 },
            Text::UsernameCharacters,
            Text::UsernameTaken,
            Text::EmailMissing,
            Text::EmailTooLong,
            Text::EmailInvalid,
            Text::EmailTaken,
            Text::PasswordMissing,
            Text::PasswordTooShort { min: 8 },
            Text::PasswordTooLong { max: 256 },
            Text::PasswordMismatch,
            Text::PasswordWeak { reason: None },
            Text::PasswordBreached,
            Text::MissingCredentials,
            Text::WrongCredentials,
            Text::CurrentPasswordMissing,
            Text::CurrentPasswordWrong,
            Text::ConfirmUsername {
                username: "satoshi".into(),
            },
            Text::Registered {
                username: "satoshi".into(),
            },
            Text::WelcomeBack {
                username: "satoshi".into(),
            },
            Text::PasswordChanged,
            Text::EmailChanged,
            Text::AccountDeleted,
            Text::LoggedOut,
            Text::NotLoggedIn,
        ];
        for copy in &all {
            let text = copy.text();
            assert!(
                text.len() > 10 && text.ends_with(['.', '!']),
                "{copy:?}: {text:?}"
            );
            assert!(
                !text.contains('\n') && !text.contains("{{"),
                "{copy:?}: {text:?}"
            );
        }
        assert_eq!(
            Text::UsernameTooShort { min: 3 }.text(),
            "Your username must be at least 3 characters long."
        );
        assert_eq!(
            Text::ConfirmUsername {
                username: "satoshi".into()
            }
            .text(),
            "Type your username, satoshi, to confirm."
        );
        assert_eq!(
            Text::PasswordWeak {
                reason: Some("This is a very common password.".into())
            }
            .text(),
            "This password is too easy to guess. This is a very common password."
        );
    }
}
