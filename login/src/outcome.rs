//! What became of an account action, as counted in the `LoginOutcome` metric and logged
//! under `outcome`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// The password was right and the session is signed in.
    Success,
    /// A wrong password or an unknown login.
    Failure,
    /// Refused before the password was checked: a bucket is over its limit.
    Throttled,
    /// A re-authentication on `/account` with a wrong current password.
    ReauthFailure,
    Registered,
    /// A registration refused because its address has registered or probed too often.
    RegistrationThrottled,
}

impl LoginOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Throttled => "throttled",
            Self::ReauthFailure => "reauth_failure",
            Self::Registered => "registered",
            Self::RegistrationThrottled => "registration_throttled",
        }
    }

    /// Counts the outcome in the metrics.
    pub fn record(self) {
        chassis::metrics::record_login_outcome(self.as_str());
    }
}
