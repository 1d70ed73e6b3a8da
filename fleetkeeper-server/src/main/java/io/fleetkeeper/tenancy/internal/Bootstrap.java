package io.fleetkeeper.tenancy.internal;

import io.fleetkeeper.tenancy.TenancyProperties;
import io.fleetkeeper.tenancy.TokenService;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * First start: when no platform operator token exists, creates one and prints it once to standard
 * output (never to the log). Later starts find it and print nothing.
 */
@Component
class Bootstrap implements ApplicationRunner {

    private final TokenService tokens;
    private final TenancyProperties props;

    Bootstrap(TokenService tokens, TenancyProperties props) {
        this.tokens = tokens;
        this.props = props;
    }

    @Override
    public void run(ApplicationArguments args) {
        String configured = props.bootstrapToken();
        if (!configured.isBlank() && (!configured.startsWith(TokenService.TOKEN_PREFIX) || configured.length() < 46)) {
            throw new IllegalStateException("fleetkeeper.auth.bootstrap-token must start with "
                    + TokenService.TOKEN_PREFIX + " and carry at least 43 characters of secret");
        }
        String secret = tokens.installBootstrapToken(configured.isBlank() ? null : configured);
        if (secret != null && configured.isBlank()) {
            System.out.println();
            System.out.println("=====================================================================");
            System.out.println(" Fleetkeeper first start: platform operator token (shown only once):");
            System.out.println();
            System.out.println("   " + secret);
            System.out.println();
            System.out.println(" Use it as 'Authorization: Bearer <token>' on /api/v1/operator/...");
            System.out.println("=====================================================================");
            System.out.println();
        }
    }
}
