package gateway;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A block of IP addresses, {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a block
 * of one (/32 or /128). Parsed without ever asking DNS. Immutable.
 */
record Cidr(InetAddress network, int prefix) {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    Cidr {
        int bits = network.getAddress().length * 8;
        String text = "'" + network.getHostAddress() + "/" + prefix + "'";
        if (prefix < 0 || prefix > bits) throw new IllegalArgumentException(text + ": prefix /" + prefix + " is not in 0-" + bits);
        byte[] masked = network.getAddress();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.clamp(prefix - i * 8L, 0, 8);
            masked[i] &= (byte) (0xFF << (8 - keep));
        }
        // 10.0.0.1/8 is a typo for 10.0.0.0/8 or for 10.0.0.1/32: refuse to guess
        if (!address(masked).equals(network)) {
            throw new IllegalArgumentException(text + " has bits set after the first " + prefix
                    + " (did you mean " + address(masked).getHostAddress() + "/" + prefix + "?)");
        }
    }

    /**
     * Reads {@code ADDRESS[/PREFIX]}.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String ip = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = literal(ip).orElseThrow(() ->
                new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32)"));
        if (address instanceof Inet4Address && ip.contains(":")) {
            // Java reads ::ffff:a.b.c.d as the IPv4 address, so an IPv6 prefix would not fit it
            throw new IllegalArgumentException("'" + text + "' is an IPv4-mapped address: write it in IPv4 form");
        }
        if (slash < 0) return new Cidr(address, address.getAddress().length * 8);
        String prefix = text.substring(slash + 1);
        if (!prefix.matches("\\d{1,3}")) throw new IllegalArgumentException("'" + text + "': prefix '" + prefix + "' is not a number");
        return new Cidr(address, Integer.parseInt(prefix));
    }

    /** An IPv4 or IPv6 address literal (no brackets, no zone), or empty for anything else; never a DNS lookup. */
    static Optional<InetAddress> literal(String text) {
        Matcher v4 = IPV4.matcher(text);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) return Optional.empty();
                bytes[i] = (byte) octet;
            }
            return Optional.of(address(bytes));
        }
        if (!IPV6.matcher(text).matches()) return Optional.empty();
        try {
            return Optional.of(InetAddress.getByName("[" + text + "]")); // in brackets: a literal or an error, never a lookup
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code address} lies in this block; an IPv4 address never lies in an IPv6 block, nor the reverse. */
    boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) return false;
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (a[i] != n[i]) return false;
        }
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[whole] & mask) == (n[whole] & mask);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}
