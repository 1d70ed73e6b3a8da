package io.fleetkeeper.deviceapi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.deviceapi.DeviceApiProperties.TlsImplementation;
import io.fleetkeeper.deviceapi.internal.NativeTls.Choice;
import io.fleetkeeper.deviceapi.internal.NativeTls.Probe;
import io.fleetkeeper.testing.CommandLineTls;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Which TLS the device listener runs for each value of {@code fleetkeeper.device-api.tls-implementation}. */
class NativeTlsTests {

    private static final Probe LOADED = new Probe("OpenSSL 3.0.19 27 Jan 2026", null);
    private static final Probe MISSING = new Probe(null, "libssl.so could not be loaded (no such file)");

    @Test
    void autoTakesOpenSslWhenItLoadsElseJsseSayingWhy() {
        Choice loaded = NativeTls.choose(TlsImplementation.AUTO, () -> LOADED);
        assertThat(loaded.implementation()).isEqualTo(TlsImplementation.OPENSSL);
        assertThat(loaded.className()).isEqualTo("org.apache.tomcat.util.net.openssl.panama.OpenSSLImplementation");
        assertThat(loaded.description()).startsWith("OpenSSL 3.0.19");

        Choice missing = NativeTls.choose(TlsImplementation.AUTO, () -> MISSING);
        assertThat(missing.implementation()).isEqualTo(TlsImplementation.JSSE);
        assertThat(missing.className()).isEqualTo("org.apache.tomcat.util.net.jsse.JSSEImplementation");
        assertThat(missing.description()).contains("libssl.so could not be loaded");
    }

    @Test
    void opensslIsRequiredWhenAskedFor() {
        assertThat(NativeTls.choose(TlsImplementation.OPENSSL, () -> LOADED).implementation())
                .isEqualTo(TlsImplementation.OPENSSL);
        assertThatThrownBy(() -> NativeTls.choose(TlsImplementation.OPENSSL, () -> MISSING))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tls-implementation=openssl").hasMessageContaining("libssl.so");
    }

    @Test
    void jsseNeverLoadsOpenSsl() {
        Supplier<Probe> untouched = () -> {
            throw new AssertionError("OpenSSL probed although JSSE was asked for");
        };
        Choice jsse = NativeTls.choose(TlsImplementation.JSSE, untouched);
        assertThat(jsse.implementation()).isEqualTo(TlsImplementation.JSSE);
        assertThat(jsse.className()).isEqualTo("org.apache.tomcat.util.net.jsse.JSSEImplementation");
    }

    @Test
    void theSystemsOpenSsl3LoadsThroughTomcatsBinding() {
        assumeThat(CommandLineTls.libsslLoads()).as("libssl.so loads").isTrue();
        Probe probe = NativeTls.probe();
        assertThat(probe.failure()).isNull();
        assertThat(probe.version()).startsWith("OpenSSL 3.");
    }
}
