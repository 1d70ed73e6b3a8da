package io.fleetkeeper.shadow.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.shadow.ShadowSchemas;
import io.fleetkeeper.shadow.ShadowSchemas.TypeSchemas;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/device-types/{name}/shadow-schema}: JSON Schemas for a device type's shadow sections. */
@RestController
@RequestMapping("/api/v1/device-types/{name}/shadow-schema")
class ShadowSchemaController {

    private final ShadowSchemas schemas;

    ShadowSchemaController(ShadowSchemas schemas) {
        this.schemas = schemas;
    }

    @GetMapping
    ResponseEntity<TypeSchemas> get(Caller caller, @PathVariable String name) {
        TypeSchemas s = schemas.get(caller.tenantId(), name);
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    /** {@code {"desired": <schema>|null, "reported": <schema>|null}}; replaces both. */
    @PutMapping
    ResponseEntity<TypeSchemas> put(Caller caller, @PathVariable String name, @RequestBody JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "expected {\"desired\": schema, \"reported\": schema}");
        }
        for (String f : body.propertyNames()) {
            if (!Set.of("desired", "reported").contains(f)) {
                throw new ApiException(ErrorCode.UNKNOWN_FIELD, "field '" + f + "' is not a known field",
                        List.of(new ApiException.FieldError(f, "is not a known field (desired, reported)")));
            }
        }
        TypeSchemas s = schemas.put(caller, name, body.get("desired"), body.get("reported"));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @DeleteMapping
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Caller caller, @PathVariable String name) {
        schemas.delete(caller, name);
        return ResponseEntity.noContent().build();
    }
}
