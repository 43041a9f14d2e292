package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class CidrTest {

    /** Random IPv4 or IPv6 addresses as bytes. */
    private static Gen<byte[]> addresses() {
        return booleans().all().flatMap(v4 -> lists().of(integers().between(0, 255)).ofSize(v4 ? 4 : 16).map(list -> {
            byte[] bytes = new byte[list.size()];
            for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (int) list.get(i);
            return bytes;
        }));
    }

    /** The model: the first {@code prefix} bits, as a number. */
    private static BigInteger top(byte[] bytes, int prefix) {
        return new BigInteger(1, bytes).shiftRight(bytes.length * 8 - prefix);
    }

    @Test
    void anAddressIsInABlockExactlyWhenItsFirstPrefixBitsAreTheBlocks() {
        qt().forAll(addresses(), addresses(), integers().between(0, 128)).checkAssert((net, candidate, p) -> {
            int prefix = Math.min(p, net.length * 8);
            byte[] masked = top(net, prefix).shiftLeft(net.length * 8 - prefix).toByteArray();
            byte[] network = new byte[net.length]; // BigInteger bytes, right-aligned, without a sign byte
            for (int i = 0; i < Math.min(masked.length, network.length); i++) {
                network[network.length - 1 - i] = masked[masked.length - 1 - i];
            }
            Cidr block = new Cidr(ip(network), prefix);
            assertTrue(block.contains(ip(network)));
            boolean expected = candidate.length == net.length && top(candidate, prefix).equals(top(net, prefix));
            assertEquals(expected, block.contains(ip(candidate)), block + " vs " + ip(candidate));
            assertEquals(block, Cidr.parse(block.toString()), "toString parses back");
        });
    }

    private static InetAddress ip(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void examples() throws Exception {
        Cidr ten = Cidr.parse("10.0.0.0/8");
        assertTrue(ten.contains(InetAddress.getByName("10.255.1.2")));
        assertFalse(ten.contains(InetAddress.getByName("11.0.0.0")));
        assertFalse(ten.contains(InetAddress.getByName("::a00:1")), "10.0.0.1 as an IPv4-compatible IPv6 address");
        assertEquals(new Cidr(InetAddress.getByName("192.0.2.7"), 32), Cidr.parse("192.0.2.7"));
        assertEquals(new Cidr(InetAddress.getByName("::1"), 128), Cidr.parse("::1"));
        assertTrue(Cidr.parse("2001:db8::/32").contains(InetAddress.getByName("2001:db8:ffff::1")));
        assertFalse(Cidr.parse("2001:db8::/32").contains(InetAddress.getByName("10.0.0.1")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9")));
        assertTrue(Cidr.parse("10.1.2.0/23").contains(InetAddress.getByName("10.1.3.255")));
        assertFalse(Cidr.parse("10.1.2.0/23").contains(InetAddress.getByName("10.1.4.0")));
        assertEquals("'10.0.0.1/8' has bits set after the first 8 (did you mean 10.0.0.0/8?)",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.1/8")).getMessage());
    }

    @Test
    void literalsNeverAskDns() {
        assertEquals(Optional.empty(), Cidr.literal("localhost"));
        assertEquals(Optional.empty(), Cidr.literal("999.1.1.1"));
        assertEquals(Optional.empty(), Cidr.literal("1.2.3"));
        assertEquals(Optional.empty(), Cidr.literal("fe80::1%eth0"));
        assertEquals(Optional.empty(), Cidr.literal("example.com"));
        assertEquals(Optional.empty(), Cidr.literal("dead:beef:zz::1"));
        assertTrue(Cidr.literal("127.0.0.1").orElseThrow().isLoopbackAddress());
        assertTrue(Cidr.literal("::").orElseThrow().isAnyLocalAddress());
    }
}
