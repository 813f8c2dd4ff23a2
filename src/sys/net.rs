//! Network facts about this host that rustix does not cover.

use std::io;
use std::net::Ipv4Addr;

use super::last_error;

/// The first IPv4 address of an interface that is up and not loopback, in
/// the kernel's order (`getifaddrs`), or `None` when there is none.
///
/// clp_nfsmon's default `-a` (seed 000 §7: "one of the addresses set on
/// the server"). getifaddrs talks netlink, so it works in a static binary
/// without NSS.
pub fn first_non_loopback_ipv4() -> io::Result<Option<Ipv4Addr>> {
    let mut head: *mut libc::ifaddrs = core::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we free below.
    if unsafe { libc::getifaddrs(&mut head) } < 0 {
        return Err(last_error());
    }
    let mut found = None;
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        let flags = ifa.ifa_flags;
        let up = flags & libc::IFF_UP as u32 != 0;
        let loopback = flags & libc::IFF_LOOPBACK as u32 != 0;
        if ifa.ifa_addr.is_null() || !up || loopback {
            continue;
        }
        // SAFETY: ifa_addr points at a sockaddr of the family it names.
        let family = unsafe { (*ifa.ifa_addr).sa_family };
        if i32::from(family) != libc::AF_INET {
            continue;
        }
        // SAFETY: AF_INET: the sockaddr is a sockaddr_in.
        let sin = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in>() };
        let addr = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
        if !addr.is_loopback() {
            found = Some(addr);
            break;
        }
    }
    // SAFETY: the list from getifaddrs, freed once.
    unsafe { libc::freeifaddrs(head) };
    Ok(found)
}

#[cfg(test)]
mod test {
    #[test]
    fn never_loopback() {
        let found = super::first_non_loopback_ipv4().unwrap();
        assert!(found.is_none_or(|a| !a.is_loopback() && !a.is_unspecified()));
    }
}
