package dev.onramp.dispatch.send;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where outgoing HTTP requests built from templates (webhooks; later help-desk tickets) may go. A template's URL can
 * come from event data, so without this a journey could be turned into a scanner of the private network, with the
 * outcome coming back through the explain API. A destination must:
 *
 * <ul>
 *   <li>be {@code http} or {@code https}, with no user name or password in it;
 *   <li>name an allowed host ({@code example.com}, or {@code *.example.com} for its subdomains);
 *   <li>resolve only to public addresses, unless an address is inside an allowed network: loopback, private (RFC 1918,
 *       unique-local), link-local (cloud metadata services live there), carrier-grade NAT, multicast and unspecified
 *       addresses are refused after the name is resolved.
 * </ul>
 *
 * The answer pins the address that was checked, and the caller connects to it, so a name that resolves differently a
 * moment later (DNS rebinding) cannot slip past.
 */
public final class Destinations {

    /** Resolves a host name; tests give a fixed table, the service the system resolver. */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;

        Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));
    }

    /** What {@link #check} decides. */
    public sealed interface Verdict {}

    /** Go: connect to {@code address}, sending {@code uri}'s host in the Host header and for TLS. */
    public record Allowed(URI uri, InetAddress address, int port) implements Verdict {}

    /** Do not: {@code reason} is safe to show callers (it names the host, never an address it resolved to). */
    public record Refused(String reason) implements Verdict {}

    private final List<String> hosts;
    private final List<Network> networks;
    private final Resolver resolver;

    /**
     * @param hosts the allowed hosts, lower case: names, {@code *.}-prefixed domains, or address literals
     * @param networks CIDR blocks ({@code 10.0.0.0/8}, {@code fd00::/8}) that may be reached although not public
     */
    public Destinations(Collection<String> hosts, Collection<String> networks, Resolver resolver) {
        this.hosts = hosts.stream()
                .map(String::strip)
                .filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT))
                .map(Destinations::unbracket)
                .toList();
        List<Network> parsed = new ArrayList<>();
        for (String n : networks) {
            if (!n.isBlank()) {
                parsed.add(Network.parse(n.strip()));
            }
        }
        this.networks = List.copyOf(parsed);
        this.resolver = resolver;
    }

    /** The host of a URL, for allow-lists built from configured URLs; empty when it has none. */
    public static Optional<String> hostOf(String url) {
        try {
            return Optional.ofNullable(URI.create(url.strip()).getHost()).map(Destinations::unbracket);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public Verdict check(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (java.net.URISyntaxException | NullPointerException e) {
            return new Refused("the destination is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return new Refused("only http and https destinations are allowed");
        }
        if (uri.getRawUserInfo() != null) {
            return new Refused("a destination may not carry a user name or password");
        }
        if (uri.getHost() == null) {
            return new Refused("the destination has no host");
        }
        String host = unbracket(uri.getHost().toLowerCase(Locale.ROOT));
        if (!hostAllowed(host)) {
            return new Refused("host '" + host + "' is not in onramp.dispatch.outbound.allowed-hosts");
        }
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            return new Refused("host '" + host + "' does not resolve");
        }
        if (addresses.isEmpty()) {
            return new Refused("host '" + host + "' does not resolve");
        }
        // Every address must be acceptable: a name that resolves to one public and one private address is refused, so
        // which one the connection would use never matters.
        for (InetAddress address : addresses) {
            if (!isPublic(address) && networks.stream().noneMatch(n -> n.contains(address))) {
                return new Refused("host '" + host
                        + "' resolves to a private, loopback or link-local address; allow its network in"
                        + " onramp.dispatch.outbound.allowed-networks if that is intended");
            }
        }
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return new Allowed(uri, addresses.getFirst(), port);
    }

    private boolean hostAllowed(String host) {
        for (String allowed : hosts) {
            if (allowed.equals(host)) {
                return true;
            }
            if (allowed.startsWith("*.")
                    && host.endsWith(allowed.substring(1))
                    && host.length() > allowed.length() - 1) {
                return true;
            }
        }
        return false;
    }

    /** An address anyone on the Internet could have: not loopback, private, link-local, shared, multicast or any. */
    public static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress()
                || address.isLoopbackAddress()
                || address.isLinkLocalAddress()
                || address.isSiteLocalAddress()
                || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 // "this network"
                    && !(first == 100 && second >= 64 && second < 128) // carrier-grade NAT, RFC 6598
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(first == 198 && (second == 18 || second == 19)) // benchmarking
                    && first < 240; // reserved, broadcast
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) { // unique local fc00::/7
                return false;
            }
            // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): judge the IPv4 address inside.
            boolean mapped = isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            boolean nat64 = (b[0] & 0xff) == 0x00
                    && (b[1] & 0xff) == 0x64
                    && (b[2] & 0xff) == 0xff
                    && (b[3] & 0xff) == 0x9b
                    && isZero(b, 4, 12);
            if (mapped || nat64) {
                try {
                    return isPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** A CIDR block. */
    record Network(byte[] prefix, int bits) {

        static Network parse(String cidr) {
            int slash = cidr.indexOf('/');
            String literal = slash < 0 ? cidr : cidr.substring(0, slash);
            if (!literal.matches("[0-9a-fA-F:.\\[\\]]+")) {
                throw new IllegalArgumentException("'" + cidr + "' is not a network such as 10.0.0.0/8 or fd00::/8");
            }
            byte[] prefix;
            try {
                prefix = InetAddress.getByName(unbracket(literal)).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + cidr + "' is not a network such as 10.0.0.0/8 or fd00::/8");
            }
            int bits = slash < 0 ? prefix.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
            if (bits < 0 || bits > prefix.length * 8) {
                throw new IllegalArgumentException("'" + cidr + "' has a prefix length out of range");
            }
            return new Network(prefix, bits);
        }

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != prefix.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (prefix[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
