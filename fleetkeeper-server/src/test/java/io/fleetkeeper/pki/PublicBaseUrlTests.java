package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.mock.env.MockEnvironment;

/** Where the CRL and OCSP URLs of issued certificates point, and when the server warns about it. */
@ExtendWith(OutputCaptureExtension.class)
class PublicBaseUrlTests {

    @Test
    void derivedFromTheFirstServerNameAndThePortTheServerListensOn(CapturedOutput out) {
        PublicBaseUrl url = url("", new MockEnvironment()
                .withProperty("fleetkeeper.device-api.server-names", "fleet.example.com,localhost"));
        started(url, 18080);
        assertThat(url.get()).isEqualTo("http://fleet.example.com:18080");
        assertThat(out.getOut()).doesNotContain("WARN");
    }

    @Test
    void withoutServerNamesItIsLocalhost(CapturedOutput out) {
        PublicBaseUrl url = url("", new MockEnvironment());
        started(url, 18081);
        assertThat(url.get()).isEqualTo("http://localhost:18081");
        assertThat(out.getOut()).doesNotContain("WARN");
    }

    @Test
    void aSetBaseUrlWinsAndLocalhostBesideOtherNamesIsWarnedAbout(CapturedOutput out) {
        PublicBaseUrl url = url("http://127.0.0.1:8080/", new MockEnvironment()
                .withProperty("fleetkeeper.device-api.server-names", "localhost,fleet.example.com"));
        started(url, 18082);
        assertThat(url.get()).isEqualTo("http://127.0.0.1:8080");
        assertThat(out.getOut()).contains("WARN").contains("fleet.example.com")
                .contains("fleetkeeper.pki.public-base-url");
    }

    @Test
    void derivedLocalhostBesideOtherNamesIsWarnedAbout(CapturedOutput out) {
        PublicBaseUrl url = url("", new MockEnvironment()
                .withProperty("fleetkeeper.device-api.server-names", "localhost,10.0.0.7"));
        started(url, 18083);
        assertThat(url.get()).isEqualTo("http://localhost:18083");
        assertThat(out.getOut()).contains("WARN").contains("10.0.0.7");
    }

    private static PublicBaseUrl url(String configured, MockEnvironment env) {
        return new PublicBaseUrl(new PkiProperties("", configured, 24, 60000, true), env);
    }

    private static void started(PublicBaseUrl url, int port) {
        WebServer server = mock(WebServer.class);
        when(server.getPort()).thenReturn(port);
        WebServerApplicationContext context = mock(WebServerApplicationContext.class);
        url.started(new WebServerInitializedEvent(server) {
            @Override
            public WebServerApplicationContext getApplicationContext() {
                return context;
            }
        });
    }
}
