package io.fleetkeeper.connectivity;

/** MQTT topic filter matching for features that react to device subscriptions. */
public final class TopicFilters {

    private TopicFilters() {
    }

    /**
     * Whether {@code topic} (a name without wildcards) matches {@code filter}: {@code +} is one level,
     * {@code #} the rest including the parent level ({@code a/#} matches {@code a}).
     */
    public static boolean matches(String filter, String topic) {
        int f = 0;
        int t = 0;
        int fn = filter.length();
        int tn = topic.length();
        while (f < fn) {
            char c = filter.charAt(f);
            if (c == '#') {
                return true;
            }
            if (c == '+') {
                while (t < tn && topic.charAt(t) != '/') {
                    t++;
                }
                f++;
            } else {
                int fe = filter.indexOf('/', f);
                fe = fe < 0 ? fn : fe;
                int te = topic.indexOf('/', t);
                te = te < 0 ? tn : te;
                if (fe - f != te - t || !filter.regionMatches(f, topic, t, fe - f)) {
                    return false;
                }
                f = fe;
                t = te;
            }
            // Both at a level end: either both at '/' or at the end.
            if (f == fn) {
                return t == tn;
            }
            // filter[f] == '/'
            if (t == tn) {
                // "a/#" matches "a": the rest of the filter must be exactly "/#".
                return f + 2 == fn && filter.charAt(f + 1) == '#';
            }
            f++;
            t++;
        }
        return t == tn;
    }
}
