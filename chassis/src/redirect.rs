//! Safe redirects: only a path on this site may be a redirect target. `//evil.example`,
//! `/\evil`, `https://…`, `javascript:` and their percent-encoded forms are refused.

/// `raw` as a local path (with its query), or `None` if it could lead off the site.
pub fn safe_local_path(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 2048 {
        return None;
    }
    // Judge the decoded form too, repeatedly: `%2F%2Fevil` and `%252F%252F` hide `//`.
    let mut decoded = raw.to_owned();
    for _ in 0..3 {
        let next = percent_decode(&decoded)?;
        if next == decoded {
            break;
        }
        decoded = next;
    }
    for candidate in [raw, decoded.as_str()] {
        if !candidate.starts_with('/')
            || candidate.starts_with("//")
            || candidate.starts_with("/\\")
            || candidate.chars().any(|c| c.is_control() || c == '\\')
        {
            return None;
        }
    }
    Some(raw.to_owned())
}

/// `target` if it is a safe local path, else `/`.
pub fn local_or_home(target: Option<&str>) -> String {
    target
        .and_then(safe_local_path)
        .unwrap_or_else(|| "/".to_owned())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            match u8::from_str_radix(hex, 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(bytes[i]),
            }
        } else {
            out.push(bytes[i]);
        }
        i += 1;
    }
    // Invalid UTF-8 after decoding is not a path we produce: refuse it.
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_kept() {
        assert_eq!(safe_local_path("/watchlist").as_deref(), Some("/watchlist"));
        assert_eq!(
            safe_local_path("/coins/bitcoin?range=7d").as_deref(),
            Some("/coins/bitcoin?range=7d")
        );
        assert_eq!(safe_local_path("/").as_deref(), Some("/"));
    }

    #[test]
    fn anything_that_could_leave_the_site_is_refused() {
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "http:evil.example",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "%2F%2Fevil.example",
            "/%2F/evil.example",
            "%2f%2fevil.example",
            "/%5Cevil.example",
            "%252F%252Fevil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "javascript%3Aalert(1)",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_local_path(bad), None, "{bad:?} was accepted");
            assert_eq!(local_or_home(Some(bad)), "/");
        }
        assert_eq!(local_or_home(None), "/");
    }
}
