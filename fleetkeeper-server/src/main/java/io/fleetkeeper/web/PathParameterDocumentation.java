package io.fleetkeeper.web;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.util.ArrayList;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springdoc.core.customizers.GlobalOpenApiCustomizer;
import org.springframework.stereotype.Component;

/**
 * Declares every variable of a path template as a path parameter. A handler mapped to several paths
 * (e.g. {@code /csrattrs} and {@code /{label}/csrattrs}) need not take the variable as an argument, and
 * springdoc then leaves it undeclared, which makes the document invalid (OpenAPI 3.1, 4.8.12.1).
 */
@Component
class PathParameterDocumentation implements GlobalOpenApiCustomizer {

    private static final Pattern VARIABLE = Pattern.compile("\\{([^}/]+)}");

    @Override
    public void customise(OpenAPI api) {
        if (api.getPaths() == null) {
            return;
        }
        api.getPaths().forEach((path, item) -> {
            for (Map.Entry<?, Operation> e : item.readOperationsMap().entrySet()) {
                declare(path, e.getValue());
            }
        });
    }

    private static void declare(String path, Operation operation) {
        Matcher m = VARIABLE.matcher(path);
        while (m.find()) {
            String name = m.group(1);
            boolean declared = operation.getParameters() != null && operation.getParameters().stream()
                    .anyMatch(p -> "path".equals(p.getIn()) && name.equals(p.getName()));
            if (!declared) {
                if (operation.getParameters() == null) {
                    operation.setParameters(new ArrayList<>());
                }
                operation.addParametersItem(new Parameter().in("path").name(name).required(true)
                        .schema(new StringSchema()));
            }
        }
    }
}
