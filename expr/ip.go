package expr

import "net/netip"

// parseIP parses a request value as an IP address with the syntax of
// netip.ParseAddr, without allocating (ParseAddr's errors do). An address
// with a zone ("fe80::1%eth0") is refused: no prefix contains one.
func parseIP(b []byte) (netip.Addr, bool) {
	for _, c := range b {
		switch c {
		case '.':
			a, ok := parseIPv4(b)
			return netip.AddrFrom4(a), ok
		case ':':
			return parseIPv6(b)
		case '%':
			return netip.Addr{}, false
		}
	}
	return netip.Addr{}, false
}

// parseIPv4 parses dotted decimal: four fields of 0..255, no leading zeros.
func parseIPv4(b []byte) ([4]byte, bool) {
	var ip [4]byte
	field, digits, val := 0, 0, 0
	for i, c := range b {
		switch {
		case isDigit(c):
			if digits == 1 && val == 0 {
				return ip, false // leading zero
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return ip, false
			}
		case c == '.' && digits > 0 && field < 3 && i < len(b)-1:
			ip[field] = byte(val)
			field++
			digits, val = 0, 0
		default:
			return ip, false
		}
	}
	if field != 3 || digits == 0 {
		return ip, false
	}
	ip[3] = byte(val)
	return ip, true
}

// parseIPv6 parses RFC 4291 §2.2 text: up to eight fields of 1-4 hex
// digits, one "::" standing for at least one zero field, and an optional
// dotted IPv4 tail in the last 32 bits.
func parseIPv6(s []byte) (netip.Addr, bool) {
	var ip [16]byte
	ellipsis := -1 // byte offset in ip where "::" stands
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
		if len(s) == 0 {
			return netip.IPv6Unspecified(), true
		}
	}
	i := 0
	for i < 16 {
		n, acc := 0, 0
		for n < len(s) {
			d, ok := hexDigit(s[n])
			if !ok {
				break
			}
			if n == 4 {
				return netip.Addr{}, false
			}
			acc = acc<<4 | int(d)
			n++
		}
		if n == 0 {
			return netip.Addr{}, false
		}
		if n < len(s) && s[n] == '.' {
			if ellipsis < 0 && i != 12 || i+4 > 16 {
				return netip.Addr{}, false
			}
			v4, ok := parseIPv4(s)
			if !ok {
				return netip.Addr{}, false
			}
			copy(ip[i:], v4[:])
			i += 4
			s = nil
			break
		}
		ip[i], ip[i+1] = byte(acc>>8), byte(acc)
		i += 2
		s = s[n:]
		if len(s) == 0 {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return netip.Addr{}, false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false
			}
			ellipsis = i
			s = s[1:]
			if len(s) == 0 {
				break
			}
		}
	}
	if len(s) != 0 {
		return netip.Addr{}, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return netip.Addr{}, false
		}
		n := 16 - i
		for j := i - 1; j >= ellipsis; j-- {
			ip[j+n] = ip[j]
		}
		clear(ip[ellipsis : ellipsis+n])
	} else if ellipsis >= 0 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(ip), true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}
