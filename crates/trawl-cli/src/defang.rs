//! `--defang`: rewrites a report's values so that they cannot be clicked
//! or resolved by mistake. The notation is the one analysts and IOC
//! tools read back: `hxxp://`, `[.]` in host names, `[.]` for the last
//! dot of an IPv4 address and `[@]` in e-mail addresses.

use trawl_core::{Category, CategorySet, Limits, Scanner};

use crate::report::Report;

/// Defangs the `iocs` lists and the `--detail` values of a report; the
/// `raw` text of detections is left as the input wrote it. Values of
/// custom categories are left as they are, because their kind is
/// unknown.
pub fn defang_report(report: &mut Report) {
    report.iocs.map_values(|key, value| match key.builtin() {
        Some(category) => defang(category, value),
        None => value.to_string(),
    });
    for entry in report.detections.iter_mut().flatten() {
        if let Some(category) = entry.key.builtin() {
            entry.value = defang(category, &entry.value);
        }
    }
}

/// Returns the defanged form of one value; categories with nothing to
/// resolve or click are returned unchanged, and so is a registry key
/// except for the names in it that are whole hosts.
pub fn defang(category: Category, value: &str) -> String {
    match category {
        Category::Url => defang_url(value),
        Category::Domain => value.replace('.', "[.]"),
        Category::Ip => defang_host(value),
        Category::Email => match value.rsplit_once('@') {
            Some((local, domain)) => {
                format!("{local}[@]{}", domain.replace('.', "[.]"))
            }
            None => value.to_string(),
        },
        Category::RegistryKey => defang_key_names(value),
        Category::Hash
        | Category::FilePath
        | Category::FileName
        | Category::Base64
        | Category::Btc
        | Category::Eth
        | Category::Cve
        | Category::AttackTechnique
        | Category::Mac
        | Category::Xmr
        | Category::Ltc
        | Category::Bch
        | Category::Dash
        | Category::Mutex
        | Category::FuzzyHash
        | Category::Asn => value.to_string(),
    }
}

/// Defangs each name of a registry key that is a whole domain or IP
/// address, as under Internet Explorer's
/// `ZoneMap\Domains\evil.example`; the other names are kept.
fn defang_key_names(key: &str) -> String {
    let hosts = CategorySet::empty().with(Category::Domain).with(Category::Ip);
    let scanner = Scanner::new(hosts, Limits::default());
    let names: Vec<String> = key
        .split('\\')
        .map(|name| {
            if !name.contains('.') {
                return name.to_string();
            }
            let found = scanner.scan(name.as_bytes()).detections;
            match found.as_slice() {
                [host] if host.start == 0 && host.end == name.len() => {
                    match host.category.builtin() {
                        Some(category) => defang(category, name),
                        None => name.to_string(),
                    }
                }
                _ => name.to_string(),
            }
        })
        .collect();
    names.join("\\")
}

/// Defangs a URL's scheme (`http` to `hxxp`, `ftp` to `fxp`, in any
/// case) and the host of its authority.
fn defang_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => "hxxp".to_string(),
        "https" => "hxxps".to_string(),
        "ftp" => "fxp".to_string(),
        "ftps" => "fxps".to_string(),
        _ => scheme.to_string(),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    // A port follows the last colon, unless the host is a bracketed
    // IPv6 address, which has colons of its own and no dot to defang.
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if !host_port.starts_with('[') => {
            (host, Some(port))
        }
        _ => (host_port, None),
    };
    let mut defanged = scheme;
    defanged.push_str("://");
    if let Some(userinfo) = userinfo {
        defanged.push_str(userinfo);
        defanged.push('@');
    }
    defanged.push_str(&defang_host(host));
    if let Some(port) = port {
        defanged.push(':');
        defanged.push_str(port);
    }
    defanged.push_str(path);
    defanged
}

/// Defangs a host: the last dot of an IPv4 address or network, every dot
/// of a name, nothing in an IPv6 address.
fn defang_host(host: &str) -> String {
    let is_ipv4 =
        host.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'/');
    if host.contains(':') {
        host.to_string()
    } else if is_ipv4 {
        match host.rsplit_once('.') {
            Some((head, tail)) => format!("{head}[.]{tail}"),
            None => host.to_string(),
        }
    } else {
        host.replace('.', "[.]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_defang_by_category() {
        let cases = [
            (
                Category::Url,
                "http://evil.example/a.b",
                "hxxp://evil[.]example/a.b",
            ),
            (
                Category::Url,
                "HTTPS://u:p@x.example:8443/?q=a.b",
                "hxxps://u:p@x[.]example:8443/?q=a.b",
            ),
            (Category::Url, "ftp://10.1.2.3/f.txt", "fxp://10.1.2[.]3/f.txt"),
            (
                Category::Url,
                "http://[2001:db8::1]:80/x",
                "hxxp://[2001:db8::1]:80/x",
            ),
            (
                Category::Url,
                "ldap://dc.corp.example",
                "ldap://dc[.]corp[.]example",
            ),
            (Category::Url, "no scheme", "no scheme"),
            (Category::Domain, "a.b.example", "a[.]b[.]example"),
            (Category::Ip, "192.168.1.10", "192.168.1[.]10"),
            (Category::Ip, "10.0.0.0/8", "10.0.0[.]0/8"),
            (Category::Ip, "2001:db8::1", "2001:db8::1"),
            (Category::Email, "a.b@mail.example", "a.b[@]mail[.]example"),
            (
                Category::Hash,
                "d41d8cd98f00b204e9800998ecf8427e",
                "d41d8cd98f00b204e9800998ecf8427e",
            ),
            (Category::FilePath, r"C:\a.exe", r"C:\a.exe"),
            (Category::FileName, "invoice.zip", "invoice.zip"),
            (
                Category::RegistryKey,
                r"HKCU\Software\ZoneMap\Domains\evil.example",
                r"HKCU\Software\ZoneMap\Domains\evil[.]example",
            ),
            (
                Category::RegistryKey,
                r"HKLM\Software\Ranges\10.1.2.3\x",
                r"HKLM\Software\Ranges\10.1.2[.]3\x",
            ),
            (
                Category::RegistryKey,
                r"HKCR\.exe\Office\16.0\setup.py",
                r"HKCR\.exe\Office\16.0\setup.py",
            ),
            (Category::AttackTechnique, "T1059.001", "T1059.001"),
            (Category::Mac, "00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5e"),
            (Category::Asn, "AS13335", "AS13335"),
            (
                Category::FuzzyHash,
                "3:FJKKIUKacnAeKKIUKacnAeKKIUKacb:FHIG8NIG8NIGY",
                "3:FJKKIUKacnAeKKIUKacnAeKKIUKacb:FHIG8NIG8NIGY",
            ),
        ];
        for (category, value, expected) in cases {
            assert_eq!(defang(category, value), expected, "{value}");
        }
    }

    #[test]
    fn defang_handles_multibyte_hosts() {
        assert_eq!(
            defang(Category::Url, "http://é.example:é/"),
            "hxxp://é[.]example:é/"
        );
        assert_eq!(defang(Category::Email, "@"), "[@]");
        assert_eq!(defang(Category::Url, "http://"), "hxxp://");
    }

    proptest::proptest! {
        /// Apart from the scheme of a URL, defanging only inserts
        /// brackets, so removing them restores the value.
        #[test]
        fn defang_reverses_by_removing_brackets(value in "\\PC{0,40}") {
            proptest::prop_assume!(!value.contains('['));
            for category in Category::ALL {
                if category == Category::Url {
                    let _ = defang(category, &value);
                    continue;
                }
                let restored = defang(category, &value)
                    .replace("[.]", ".")
                    .replace("[@]", "@");
                proptest::prop_assert_eq!(&restored, &value);
            }
        }
    }
}
