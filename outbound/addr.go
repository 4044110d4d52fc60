package outbound

import (
	"net/netip"
)

// refusedPrefixes are the networks a script may never reach: they lead into
// the host's own network or to cloud metadata services, not to the public
// services a bot calls. Loopback is handled apart (AllowLoopback).
var refusedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",         // "this network"
		"10.0.0.0/8",        // private
		"100.64.0.0/10",     // carrier-grade NAT
		"169.254.0.0/16",    // link-local, including 169.254.169.254 (metadata)
		"172.16.0.0/12",     // private
		"192.0.0.0/24",      // IETF protocol assignments
		"192.168.0.0/16",    // private
		"198.18.0.0/15",     // benchmarking
		"224.0.0.0/4",       // multicast
		"240.0.0.0/4",       // reserved, broadcast
		"::/128",            // unspecified
		"64:ff9b::/96",      // NAT64: embeds an IPv4 address we cannot vet
		"64:ff9b:1::/48",    // local-use NAT64
		"100::/64",          // discard
		"2001:db8::/32",     // documentation
		"fc00::/7",          // unique local
		"fe80::/10",         // link-local
		"ff00::/8",          // multicast
		"fd00:ec2::254/128", // AWS metadata over IPv6 (inside fc00::/7; named for the reader)
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// refused says why addr may not be connected to, or "" when it may.
func refused(addr netip.Addr, allowLoopback bool) string {
	addr = addr.Unmap()
	if addr.IsLoopback() {
		if allowLoopback {
			return ""
		}
		return "a loopback address"
	}
	for _, p := range refusedPrefixes {
		if p.Contains(addr) {
			return "a private or reserved address"
		}
	}
	return ""
}
