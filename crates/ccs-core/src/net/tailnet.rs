//! Is this computer on a tailnet? Asked when a member's node cannot be
//! reached, so the advice can say "start Tailscale" only when that is the
//! cause. Tailscale (and Headscale, by default) give each device an address
//! from 100.64.0.0/10 and fd7a:115c:a1e0::/48 on an interface of its own, on
//! Windows, macOS and Linux alike; the interfaces are read with `if-addrs`
//! (no `tailscale` command is needed, which the Mac App Store build lacks).

use std::net::IpAddr;

/// True for an address Tailscale or Headscale hands out.
pub fn is_tailnet_address(ip: IpAddr) -> bool {
    match ip {
        // 100.64.0.0/10: the first octet 100, the top two bits of the second 01.
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            a == 100 && (b & 0xc0) == 0x40
        }
        // fd7a:115c:a1e0::/48
        IpAddr::V6(v6) => {
            let s = v6.segments();
            s[0] == 0xfd7a && s[1] == 0x115c && s[2] == 0xa1e0
        }
    }
}

/// This computer's tailnet addresses (none: not on a tailnet, or Tailscale
/// is not running). An error reading the interfaces counts as none.
pub fn addresses() -> Vec<IpAddr> {
    if_addrs::get_if_addrs()
        .map(|interfaces| {
            interfaces
                .into_iter()
                .map(|i| i.ip())
                .filter(|ip| is_tailnet_address(*ip))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tailscale_ranges_count() {
        for yes in [
            "100.64.0.1",
            "100.101.102.103",
            "100.127.255.254",
            "fd7a:115c:a1e0::1",
        ] {
            assert!(is_tailnet_address(yes.parse().unwrap()), "{yes}");
        }
        for no in [
            "100.63.255.255",
            "100.128.0.1",
            "10.0.0.1",
            "127.0.0.1",
            "192.168.1.4",
            "fd7a:115c:a1e1::1",
            "::1",
        ] {
            assert!(!is_tailnet_address(no.parse().unwrap()), "{no}");
        }
    }

    #[test]
    fn reading_this_computers_interfaces_never_fails() {
        // Whatever this machine has, the answer is a list of tailnet addresses only.
        assert!(addresses().into_iter().all(is_tailnet_address));
    }
}
