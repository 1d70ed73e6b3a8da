package io.fleetkeeper.connectivity.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.web.ProblemWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The external-broker hooks exist only with a shared secret configured. */
class InternalAuthFilterTests {

    static ConnectivityProperties withSecret(String secret) {
        return new ConnectivityProperties(8883, "0.0.0.0", 0, true, 131072, 50, 32, 1000, 100, 5000,
                Duration.ofSeconds(10), Duration.ofHours(1), 256, 16, secret,
                Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(60),
                java.util.List.of());
    }

    @Test
    void withoutASecretTheHooksAnswer404EvenToTheRightHeader() throws Exception {
        ProblemWriter problems = mock(ProblemWriter.class);
        var filter = new InternalAuthFilter(withSecret(""), problems);
        var request = new MockHttpServletRequest("POST", "/api/v1/internal/mqtt-auth");
        request.addHeader("X-Internal-Auth", "");
        var chain = new MockFilterChain();
        filter.doFilter(request, new MockHttpServletResponse(), chain);
        verify(problems).write(any(), any(), eq(ErrorCode.NOT_FOUND), anyString());
        assertThat(chain.getRequest()).as("the request went no further").isNull();
    }

    @Test
    void theRightSecretPassesAndOtherPathsAreNotGuarded() throws Exception {
        var filter = new InternalAuthFilter(withSecret("s3cret"), mock(ProblemWriter.class));
        var request = new MockHttpServletRequest("POST", "/api/v1/internal/mqtt-acl");
        request.addHeader("X-Internal-Auth", "s3cret");
        var chain = new MockFilterChain();
        filter.doFilter(request, new MockHttpServletResponse(), chain);
        assertThat(chain.getRequest()).isSameAs(request);

        var other = new MockFilterChain();
        var devices = new MockHttpServletRequest("GET", "/api/v1/devices");
        filter.doFilter(devices, new MockHttpServletResponse(), other);
        assertThat(other.getRequest()).isSameAs(devices);
    }
}
