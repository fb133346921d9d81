//! "Prices as of …": the snapshot's time as pages show it.

use shared_ui::format::{now_unix, relative_time, utc_datetime};

#[derive(Debug, Clone)]
pub struct AsOf {
    /// `2026-11-24 06:00 UTC`
    pub text: String,
    /// `5 minutes ago`
    pub relative: String,
    /// `2026-11-24T06:00:00Z`, for `<time datetime>`.
    pub machine: String,
}

impl AsOf {
    pub fn new(unix_seconds: i64) -> Self {
        let machine = time::OffsetDateTime::from_unix_timestamp(unix_seconds)
            .map(|t| {
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            })
            .unwrap_or_default();
        Self {
            text: utc_datetime(unix_seconds),
            relative: relative_time(unix_seconds, now_unix()),
            machine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_time_is_rfc3339_utc() {
        let as_of = AsOf::new(1_795_500_000);
        assert_eq!(as_of.machine, "2026-11-24T06:00:00Z");
        assert_eq!(as_of.text, "2026-11-24 06:00 UTC");
    }
}
