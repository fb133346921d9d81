//! The one routing table: which service answers which URL prefix. The `site` binary mounts
//! services from it, the nginx stand-in is generated from it, and a test checks the ALB rules
//! in `infra/` against it (`site routes` prints it as JSON).

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Route {
    pub service: &'static str,
    /// The prefix the service owns; `"/"` for the default service.
    pub prefix: &'static str,
    /// Whether unmatched paths go here (the ALB's default action).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// ALB path patterns that forward to this service.
    pub path_patterns: &'static [&'static str],
}

impl Route {
    /// The prefix as mounted in actix (`""` for the root).
    pub fn mount_prefix(&self) -> &'static str {
        if self.prefix == "/" { "" } else { self.prefix }
    }

    /// Whether `path` falls under this route's prefix, segment by segment.
    pub fn owns(&self, path: &str) -> bool {
        let prefix = self.mount_prefix();
        prefix.is_empty()
            || path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

pub const LOGIN: Route = Route {
    service: "login",
    prefix: "/account",
    default: false,
    path_patterns: &["/account", "/account/*"],
};

pub const PRODUCT: Route = Route {
    service: "product",
    prefix: "/",
    default: true,
    path_patterns: &[],
};

/// Most specific first; the default last.
pub const TABLE: [Route; 2] = [LOGIN, PRODUCT];

/// The service that answers `path`.
pub fn route_for(path: &str) -> &'static Route {
    TABLE
        .iter()
        .find(|r| !r.default && r.owns(path))
        .unwrap_or(&PRODUCT)
}

pub fn to_json() -> serde_json::Value {
    serde_json::json!({ "routes": TABLE })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_paths_go_to_login_and_everything_else_to_product() {
        assert_eq!(route_for("/account").service, "login");
        assert_eq!(route_for("/account/login").service, "login");
        assert_eq!(route_for("/accounts").service, "product");
        assert_eq!(route_for("/").service, "product");
        assert_eq!(route_for("/coins/bitcoin").service, "product");
    }

    #[test]
    fn exactly_one_default_route_and_it_is_last() {
        assert_eq!(TABLE.iter().filter(|r| r.default).count(), 1);
        assert!(TABLE[TABLE.len() - 1].default);
    }

    #[test]
    fn json_shape_is_what_infra_and_nginx_read() {
        let json = to_json();
        assert_eq!(json["routes"][0]["service"], "login");
        assert_eq!(json["routes"][0]["path_patterns"][1], "/account/*");
        assert_eq!(json["routes"][1]["default"], true);
        assert!(json["routes"][0].get("default").is_none());
    }
}
