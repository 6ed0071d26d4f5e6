package dev.onramp.dispatch.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which webhook destinations pass, given a name table in place of DNS (a name can resolve to anything). */
class DestinationsSecurityTest {

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static final Map<String, List<InetAddress>> DNS = Map.of(
            "hooks.example.com", List.of(ip("93.184.215.14")),
            "eu.zendesk.com", List.of(ip("104.16.51.111")),
            "rebind.example.com", List.of(ip("93.184.215.14"), ip("127.0.0.1")),
            "metadata.example.com", List.of(ip("169.254.169.254")),
            "internal.example.com", List.of(ip("10.1.2.3")),
            "mapped.example.com", List.of(ip("::ffff:192.168.1.1")),
            "ula.example.com", List.of(ip("fd12:3456::1")),
            "cgnat.example.com", List.of(ip("100.64.0.1")));

    final Destinations.Resolver resolver = host -> {
        List<InetAddress> found = DNS.get(host);
        if (found == null) {
            throw new UnknownHostException(host);
        }
        return found;
    };

    Destinations.Verdict check(String url, List<String> networks) {
        return new Destinations(
                        List.of(
                                "hooks.example.com",
                                "*.zendesk.com",
                                "rebind.example.com",
                                "metadata.example.com",
                                "internal.example.com",
                                "mapped.example.com",
                                "ula.example.com",
                                "cgnat.example.com"),
                        networks,
                        resolver)
                .check(url);
    }

    @Test
    void anAllowedHostOnAPublicAddressPassesPinnedToThatAddress() {
        assertThat(check("https://hooks.example.com/x?token=1", List.of()))
                .isEqualTo(new Destinations.Allowed(
                        java.net.URI.create("https://hooks.example.com/x?token=1"), ip("93.184.215.14"), 443));
        assertThat(check("http://eu.zendesk.com:8080/api", List.of())).isInstanceOf(Destinations.Allowed.class);
    }

    @Test
    void hostsOutsideTheListAreRefusedBeforeAnyLookup() {
        assertThat(check("https://evil.example.net/", List.of())).isInstanceOf(Destinations.Refused.class);
        assertThat(check("https://zendesk.com.evil.net/", List.of())).isInstanceOf(Destinations.Refused.class);
        assertThat(check("https://zendesk.com/", List.of()))
                .as("*.zendesk.com is the subdomains")
                .isInstanceOf(Destinations.Refused.class);
        assertThat(check("https://hooks.example.com@evil.example.net/", List.of()))
                .isInstanceOf(Destinations.Refused.class);
    }

    @Test
    void namesThatResolveToPrivateLoopbackOrLinkLocalAddressesAreRefused() {
        for (String host : List.of(
                "rebind.example.com",
                "metadata.example.com",
                "internal.example.com",
                "mapped.example.com",
                "ula.example.com",
                "cgnat.example.com")) {
            assertThat(check("http://" + host + "/", List.of()))
                    .as(host)
                    .isInstanceOfSatisfying(
                            Destinations.Refused.class,
                            r -> assertThat(r.reason()).contains("private").doesNotContain("10.1.2.3", "169.254"));
        }
    }

    @Test
    void anAllowedNetworkOpensOnlyItself() {
        assertThat(check("http://internal.example.com/", List.of("10.0.0.0/8")))
                .isInstanceOf(Destinations.Allowed.class);
        assertThat(check("http://metadata.example.com/", List.of("10.0.0.0/8")))
                .isInstanceOf(Destinations.Refused.class);
        assertThat(check("http://mapped.example.com/", List.of("192.168.1.0/24")))
                .as("an IPv4-mapped IPv6 address is the IPv4 address it carries")
                .isInstanceOf(Destinations.Allowed.class);
    }

    @Test
    void onlyHttpAndHttpsWithoutCredentials() {
        for (String url : List.of(
                "file:///etc/passwd",
                "gopher://hooks.example.com/",
                "ftp://hooks.example.com/",
                "https://user:pass@hooks.example.com/",
                "not a url",
                "https:///nohost")) {
            assertThat(check(url, List.of())).as(url).isInstanceOf(Destinations.Refused.class);
        }
    }

    @Test
    void addressClassesAreJudgedAsTheyAre() {
        for (String address : List.of(
                "127.0.0.1",
                "0.0.0.0",
                "10.0.0.1",
                "172.16.0.1",
                "192.168.0.1",
                "169.254.169.254",
                "100.100.100.200",
                "224.0.0.1",
                "255.255.255.255",
                "::1",
                "::",
                "fe80::1",
                "fc00::1",
                "::ffff:127.0.0.1",
                "64:ff9b::a00:1")) {
            assertThat(Destinations.isPublic(ip(address))).as(address).isFalse();
        }
        for (String address : List.of("93.184.215.14", "8.8.8.8", "2606:4700::6810:84e5", "::ffff:8.8.8.8")) {
            assertThat(Destinations.isPublic(ip(address))).as(address).isTrue();
        }
    }
}
