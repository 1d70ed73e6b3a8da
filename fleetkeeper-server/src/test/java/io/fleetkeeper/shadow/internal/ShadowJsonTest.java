package io.fleetkeeper.shadow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The shadow's JSON rules without Spring: delta, merge with metadata, limits. */
class ShadowJsonTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static Stream<Arguments> deltas() {
        return Stream.of(
                Arguments.of("both empty", "{}", "{}", "{}"),
                Arguments.of("equal scalars", "{'a':1,'b':'x','c':true}", "{'a':1,'b':'x','c':true}", "{}"),
                Arguments.of("missing from reported", "{'a':1}", "{}", "{'a':1}"),
                Arguments.of("differs", "{'a':1,'b':2}", "{'a':1,'b':3}", "{'b':2}"),
                Arguments.of("reported only keys are ignored", "{'a':1}", "{'a':1,'extra':5}", "{}"),
                Arguments.of("nested path kept", "{'cfg':{'net':{'ssid':'x','ch':6}}}",
                        "{'cfg':{'net':{'ssid':'x','ch':11}}}", "{'cfg':{'net':{'ch':6}}}"),
                Arguments.of("nested equal drops the branch", "{'cfg':{'a':1},'b':2}", "{'cfg':{'a':1},'b':3}",
                        "{'b':2}"),
                Arguments.of("nested missing whole", "{'cfg':{'a':1,'b':{'c':2}}}", "{}",
                        "{'cfg':{'a':1,'b':{'c':2}}}"),
                Arguments.of("arrays equal", "{'l':[1,2,3]}", "{'l':[1,2,3]}", "{}"),
                Arguments.of("arrays differ: replaced whole", "{'l':[1,2,3]}", "{'l':[1,2]}", "{'l':[1,2,3]}"),
                Arguments.of("array order matters", "{'l':[1,2]}", "{'l':[2,1]}", "{'l':[1,2]}"),
                Arguments.of("arrays of objects compared whole", "{'l':[{'a':1}]}", "{'l':[{'a':2}]}",
                        "{'l':[{'a':1}]}"),
                Arguments.of("type change scalar to object", "{'a':{'b':1}}", "{'a':1}", "{'a':{'b':1}}"),
                Arguments.of("type change object to scalar", "{'a':1}", "{'a':{'b':1}}", "{'a':1}"),
                Arguments.of("number vs string", "{'a':1}", "{'a':'1'}", "{'a':1}"),
                Arguments.of("numbers by value", "{'a':1,'b':2.50}", "{'a':1.0,'b':2.5}", "{}"),
                Arguments.of("null reported is different", "{'a':1}", "{'a':null}", "{'a':1}"),
                Arguments.of("booleans", "{'on':true}", "{'on':false}", "{'on':true}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deltas")
    void deltaIsDesiredMinusReported(String name, String desired, String reported, String expected) {
        assertThat(ShadowJson.delta(json(desired), json(reported))).isEqualTo(json(expected));
    }

    static Stream<Arguments> merges() {
        return Stream.of(
                Arguments.of("adds", "{'a':1}", "{'b':2}", "{'a':1,'b':2}"),
                Arguments.of("replaces scalar", "{'a':1}", "{'a':'x'}", "{'a':'x'}"),
                Arguments.of("null deletes", "{'a':1,'b':2}", "{'a':null}", "{'b':2}"),
                Arguments.of("null on a missing key is nothing", "{'a':1}", "{'z':null}", "{'a':1}"),
                Arguments.of("objects merge", "{'c':{'x':1,'y':2}}", "{'c':{'y':3,'z':4}}", "{'c':{'x':1,'y':3,'z':4}}"),
                Arguments.of("nested null deletes", "{'c':{'x':1,'y':2}}", "{'c':{'x':null}}", "{'c':{'y':2}}"),
                Arguments.of("object left empty is removed", "{'c':{'x':1},'d':1}", "{'c':{'x':null}}", "{'d':1}"),
                Arguments.of("arrays replace whole", "{'l':[1,2,3]}", "{'l':[9]}", "{'l':[9]}"),
                Arguments.of("object over scalar", "{'a':1}", "{'a':{'b':1}}", "{'a':{'b':1}}"),
                Arguments.of("scalar over object", "{'a':{'b':1}}", "{'a':2}", "{'a':2}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("merges")
    void mergeFollowsJsonMergePatch(String name, String before, String patch, String expected) {
        ObjectNode target = (ObjectNode) json(before);
        ShadowJson.merge(target, ShadowJson.object(), json(patch), 1);
        assertThat(target).isEqualTo(json(expected));
    }

    @Test
    void metadataHasTheSameShapeWithTheTimeOfEachLeaf() {
        ObjectNode target = ShadowJson.object();
        ObjectNode meta = ShadowJson.object();
        ShadowJson.merge(target, meta, json("{'a':1,'c':{'x':1,'y':[1,2]}}"), 100);
        ShadowJson.merge(target, meta, json("{'c':{'x':2}}"), 200);
        assertThat(meta.toString()).isEqualTo(json("{'a':{'timestamp':100},'c':{'x':{'timestamp':200},"
                + "'y':{'timestamp':100}}}").toString());
        ShadowJson.merge(target, meta, json("{'c':null}"), 300);
        assertThat(meta.toString()).isEqualTo(json("{'a':{'timestamp':100}}").toString());
    }

    @Test
    void depthAndKeyLengthViolationsNameTheirPaths() {
        assertThat(ShadowJson.limitViolations("state.desired", json("{'a':{'b':{'c':1}}}"), 3, 128)).isEmpty();
        assertThat(ShadowJson.limitViolations("state.desired", json("{'a':{'b':{'c':{'d':1}}}}"), 3, 128))
                .containsExactly("state.desired.a.b.c: nested deeper than 3 levels");
        assertThat(ShadowJson.limitViolations("state.desired", json("{'a':[[[1]]]}"), 3, 128))
                .containsExactly("state.desired.a[0][0]: nested deeper than 3 levels");
        String longKey = "k".repeat(129);
        assertThat(ShadowJson.limitViolations("state.desired", json("{'" + longKey + "':1,'ok':1}"), 8, 128))
                .singleElement().asString().contains("key longer than 128 characters");
        assertThat(ShadowJson.limitViolations("state.desired", json("{'" + "k".repeat(128) + "':1}"), 8, 128))
                .isEmpty();
    }

    private static JsonNode json(String relaxed) {
        return JSON.readTree(relaxed.replace('\'', '"'));
    }
}
