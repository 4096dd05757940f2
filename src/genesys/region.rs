//! Genesys Cloud regions and their hosts (reference §1). Hosts come from this table, never
//! from a pattern like `api.{region}.…`.

/// One row of the region table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    /// AWS-style name, e.g. `us-east-1`.
    pub name: &'static str,
    /// Environment domain, e.g. `mypurecloud.com`.
    pub domain: &'static str,
}

impl Region {
    /// `https://api.{domain}`.
    pub(crate) fn api_url(&self) -> String {
        format!("https://api.{}", self.domain)
    }

    /// `https://login.{domain}` (the SDKs swap `//api.` for `//login.`).
    pub(crate) fn login_url(&self) -> String {
        format!("https://login.{}", self.domain)
    }
}

/// Every region in the reference table, in its order.
pub(crate) const REGIONS: &[Region] = &[
    Region {
        name: "us-east-1",
        domain: "mypurecloud.com",
    },
    Region {
        name: "us-east-2",
        domain: "use2.us-gov-pure.cloud",
    },
    Region {
        name: "us-west-2",
        domain: "usw2.pure.cloud",
    },
    Region {
        name: "ca-central-1",
        domain: "cac1.pure.cloud",
    },
    Region {
        name: "sa-east-1",
        domain: "sae1.pure.cloud",
    },
    Region {
        name: "mx-central-1",
        domain: "mxc1.pure.cloud",
    },
    Region {
        name: "eu-west-1",
        domain: "mypurecloud.ie",
    },
    Region {
        name: "eu-west-2",
        domain: "euw2.pure.cloud",
    },
    Region {
        name: "eu-central-1",
        domain: "mypurecloud.de",
    },
    Region {
        name: "eu-central-2",
        domain: "euc2.pure.cloud",
    },
    Region {
        name: "me-central-1",
        domain: "mec1.pure.cloud",
    },
    Region {
        name: "ap-south-1",
        domain: "aps1.pure.cloud",
    },
    Region {
        name: "ap-southeast-1",
        domain: "apse1.pure.cloud",
    },
    Region {
        name: "ap-southeast-2",
        domain: "mypurecloud.com.au",
    },
    Region {
        name: "ap-northeast-1",
        domain: "mypurecloud.jp",
    },
    Region {
        name: "ap-northeast-2",
        domain: "apne2.pure.cloud",
    },
    Region {
        name: "ap-northeast-3",
        domain: "apne3.pure.cloud",
    },
    Region {
        name: "eusc-de-east-1",
        domain: "edee1.eusc-pure.cloud",
    },
];

/// Finds a region by AWS name or environment domain, case-insensitive. Also accepted, as
/// Genesys's own tutorials and SDKs write them: `_` for `-` in the name (`us_east_1`, the
/// `PureCloudRegionHosts` key and the tutorials' `GENESYS_CLOUD_REGION` value), and a host or
/// URL of the org (`api.`, `login.` or `apps.` before the domain, a scheme, a port or a path,
/// e.g. `https://apps.usw2.pure.cloud/directory/`). The error lists every valid name.
pub(crate) fn lookup(input: &str) -> Result<Region, String> {
    let s = input.trim().to_ascii_lowercase();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(&s);
    // The host part of a URL: up to a path, query, fragment or port.
    let s = s.split(['/', '?', '#', ':']).next().unwrap_or_default();
    let s = ["api.", "login.", "apps."]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or(s);
    let name = s.replace('_', "-");
    REGIONS
        .iter()
        .find(|r| r.name == name || r.domain == s)
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = REGIONS.iter().map(|r| r.name).collect();
            format!(
                "unknown Genesys Cloud region {:?}; use one of: {} (or its domain, e.g. mypurecloud.com)",
                input.trim(),
                names.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_domains_resolve() {
        assert_eq!(
            lookup("us-east-1").map(|r| r.api_url()).as_deref(),
            Ok("https://api.mypurecloud.com")
        );
        assert_eq!(
            lookup("mypurecloud.ie").map(|r| r.login_url()).as_deref(),
            Ok("https://login.mypurecloud.ie")
        );
        assert_eq!(
            lookup("api.euw2.pure.cloud").map(|r| r.name),
            Ok("eu-west-2")
        );
        assert_eq!(REGIONS.len(), 18);
    }

    #[test]
    fn unknown_region_lists_valid_names() {
        let err = lookup("us-east-9").expect_err("unknown");
        assert!(
            err.contains("us-east-9")
                && err.contains("ap-northeast-3")
                && err.contains("eu-west-1")
        );
        assert!(lookup("api.us-east-1.mygenesys.com").is_err());
        for bad in [
            "",
            "us_east_9",
            "apps.",
            "https://",
            "usw2",
            "pure.cloud",
            "us east 1",
        ] {
            let err = lookup(bad).expect_err(bad);
            assert!(err.contains("us-west-2") && !err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn tutorial_spellings_and_app_hosts_resolve() {
        for (input, region) in [
            ("us_east_1", "us-east-1"),
            ("US_WEST_2", "us-west-2"),
            ("Eu-Central-1", "eu-central-1"),
            ("ap_northeast_3", "ap-northeast-3"),
            ("eusc_de_east_1", "eusc-de-east-1"),
            ("apps.mypurecloud.com", "us-east-1"),
            ("https://apps.usw2.pure.cloud", "us-west-2"),
            (
                "https://apps.mypurecloud.ie/directory/#/person",
                "eu-west-1",
            ),
            ("APPS.MYPURECLOUD.COM.AU", "ap-southeast-2"),
            ("https://login.mypurecloud.jp/", "ap-northeast-1"),
            ("https://api.euw2.pure.cloud:443", "eu-west-2"),
            ("http://api.mypurecloud.de", "eu-central-1"),
        ] {
            assert_eq!(lookup(input).map(|r| r.name), Ok(region), "{input}");
        }
    }
}
