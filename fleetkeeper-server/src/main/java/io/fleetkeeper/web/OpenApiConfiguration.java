package io.fleetkeeper.web;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.servers.ServerVariable;
import io.swagger.v3.oas.models.servers.ServerVariables;
import java.util.LinkedHashSet;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.models.GroupedOpenApi;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAPI 3.1 documents and Swagger UI at {@code /swagger-ui.html}: {@code /v3/api-docs} (also the group
 * {@code management}) describes the management port; {@code /v3/api-docs/device} the device listener's
 * {@code /device/v1/...} and EST paths, which the management port does not serve. Every operation documents
 * its problem+json errors ({@link ProblemDocumentation}); nullable and raw-JSON properties are typed as they
 * are written ({@link PropertyDocumentation}).
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    /** Paths served only by the device listener (see {@code deviceapi.web.DevicePortFilter}). */
    static final String[] DEVICE_PATHS = {"/device/**", "/.well-known/est/**", "/*/controller/v1/**",
            "/ingest/v1/telemetry", "/v1/ingest"};

    static {
        SpringDocUtils.getConfig()
                // Jackson 3 trees (shadow state, schemas, payloads) are JSON values, not beans to introspect.
                .replaceWithSchema(JsonNode.class, new Schema<>().description("any JSON value"))
                .replaceWithSchema(ObjectNode.class, new Schema<>().types(new LinkedHashSet<>(List.of("object"))));
    }

    @Bean
    OpenAPI fleetkeeperOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Fleetkeeper management API").version("v1")
                        .description("Multi-tenant IoT device registry. Errors are RFC 9457 problem+json "
                                + "with a stable 'code'. The device listener's API is the document "
                                + "/v3/api-docs/device."))
                .components(new Components().addSecuritySchemes("bearer",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }

    /** Jackson 3 writes snake_case; springdoc introspects models with its own (Jackson 2) mapper, told here. */
    @Bean
    ModelResolver snakeCaseModels() {
        return new ModelResolver(Json31.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
                .openapi31(true);
    }

    /** The ungrouped document ({@code /v3/api-docs}) is the management port's; groups filter by path themselves. */
    @Bean
    OpenApiCustomizer managementPathsOnly() {
        return api -> {
            if (api.getPaths() != null) {
                api.getPaths().keySet().removeIf(p -> p.startsWith("/device/") || p.startsWith("/.well-known/est/")
                        || p.matches("/[^/]+/controller/v1(/.*)?")
                        || p.equals("/ingest/v1/telemetry") || p.equals("/v1/ingest"));
            }
        };
    }

    @Bean
    GroupedOpenApi managementApi() {
        return GroupedOpenApi.builder().group("management").pathsToExclude(DEVICE_PATHS).build();
    }

    @Bean
    GroupedOpenApi deviceApi() {
        return GroupedOpenApi.builder().group("device").pathsToMatch(DEVICE_PATHS)
                .addOpenApiCustomizer(api -> api
                        .info(new Info().title("Fleetkeeper device API").version("v1")
                                .description("Served on the device listener (HTTPS, default port 8443): devices "
                                        + "authenticate with a client certificate, X-Device-Key, a provisioning key, "
                                        + "a claim token or an enrollment code. Errors are RFC 9457 problem+json "
                                        + "with a stable 'code'."))
                        .servers(List.of(new Server().url("https://{host}:{port}").description("device listener")
                                .variables(new ServerVariables()
                                        .addServerVariable("host", new ServerVariable()._default("localhost"))
                                        .addServerVariable("port", new ServerVariable()._default("8443")))))
                        .security(null))
                .build();
    }
}
