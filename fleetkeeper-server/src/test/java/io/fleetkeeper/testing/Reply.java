package io.fleetkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import tools.jackson.databind.JsonNode;

/** One HTTP response as the tests see it: status, headers and the body, read as JSON on demand. */
public record Reply(String request, int status, HttpHeaders headers, String body) {

    public JsonNode json() {
        return Api.JSON.readTree(body);
    }

    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    public String etag() {
        return header("ETag");
    }

    /** Asserts the status, showing the request and body when it differs; returns the JSON body. */
    public JsonNode expect(int expected) {
        assertThat(status).as("%s answered %s", request, body).isEqualTo(expected);
        return body.isEmpty() ? Api.JSON.missingNode() : json();
    }

    /** Asserts an RFC 9457 problem with the given status and stable code; returns the problem. */
    public JsonNode expectProblem(int expected, String code) {
        JsonNode problem = expect(expected);
        assertThat(header("Content-Type")).as("content type of %s", request).startsWith("application/problem+json");
        assertThat(problem.path("code").asString()).as("code of %s: %s", request, body).isEqualTo(code);
        assertThat(problem.path("status").asInt()).isEqualTo(expected);
        return problem;
    }
}
