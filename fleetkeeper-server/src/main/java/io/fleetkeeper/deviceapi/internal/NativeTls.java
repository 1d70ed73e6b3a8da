package io.fleetkeeper.deviceapi.internal;

import io.fleetkeeper.deviceapi.DeviceApiProperties.TlsImplementation;
import java.util.function.Supplier;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import org.apache.tomcat.util.net.jsse.JSSEImplementation;

/**
 * Who runs the device listener's TLS. OpenSSL is the system's {@code libssl} 3 driven by Tomcat's own binding over
 * the foreign function API ({@code tomcat-coyote-ffm}, no tcnative); it is usable when that binding's classes are
 * present and {@code libssl} loads under the name Tomcat looks for ({@code libssl.so}, which Debian ships in
 * {@code libssl-dev}, not in {@code libssl3}). The setting decides, the probe says whether it can be had. The
 * binding's classes are reached by name: the build unpacks them from Tomcat's distribution.
 */
final class NativeTls {

    static final String OPENSSL = "org.apache.tomcat.util.net.openssl.panama.OpenSSLImplementation";
    private static final String BINDING = "org.apache.tomcat.util.openssl.openssl_h";
    static final String JSSE = JSSEImplementation.class.getName();

    private static Probe loaded;

    private NativeTls() {
    }

    /** What loading OpenSSL gave: its version text, or why it cannot be used (exactly one is set). */
    record Probe(String version, String failure) {

        boolean available() {
            return version != null;
        }
    }

    /** The implementation to use, Tomcat's class name for it, and the sentence to log. */
    record Choice(TlsImplementation implementation, String className, String description) {
    }

    /**
     * The choice for {@code setting}: {@code jsse} never loads OpenSSL; {@code openssl} fails when it cannot be
     * loaded; {@code auto} takes OpenSSL when it loads, else JSSE.
     */
    static Choice choose(TlsImplementation setting, Supplier<Probe> probe) {
        if (setting == TlsImplementation.JSSE) {
            return new Choice(TlsImplementation.JSSE, JSSE, "JSSE, the JDK's TLS (tls-implementation=jsse)");
        }
        Probe p = probe.get();
        if (p.available()) {
            return new Choice(TlsImplementation.OPENSSL, OPENSSL,
                    p.version() + " through Tomcat's foreign-function binding (tls-implementation=" + name(setting)
                            + ")");
        }
        if (setting == TlsImplementation.OPENSSL) {
            throw new IllegalStateException("fleetkeeper.device-api.tls-implementation=openssl, but " + p.failure());
        }
        return new Choice(TlsImplementation.JSSE, JSSE,
                "JSSE, the JDK's TLS, as OpenSSL cannot be used: " + p.failure() + " (tls-implementation=auto)");
    }

    /** Loads OpenSSL once per process through Tomcat's binding and reads its version. */
    static synchronized Probe probe() {
        if (loaded == null) {
            loaded = load();
        }
        return loaded;
    }

    private static Probe load() {
        Class<?> binding;
        try {
            Class.forName(OPENSSL, false, NativeTls.class.getClassLoader());
            binding = Class.forName(BINDING, false, NativeTls.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return new Probe(null, "Tomcat's OpenSSL binding (tomcat-coyote-ffm) is not on the class path");
        }
        String library = System.mapLibraryName(System.getProperty("org.apache.tomcat.util.openssl.LIBRARY_NAME",
                "ssl"));
        try {
            long number = (long) binding.getMethod("OpenSSL_version_num").invoke(null);
            String version = ((MemorySegment) binding.getMethod("OpenSSL_version", int.class).invoke(null, 0))
                    .getString(0);
            if (number < 0x3000_0000L) {
                return new Probe(null, version + " is older than OpenSSL 3.0");
            }
            return new Probe(version, null);
        } catch (InvocationTargetException e) {
            return new Probe(null, library + " could not be loaded (" + rootMessage(e) + "); install the package "
                    + "that provides it (Debian: libssl-dev) or link it to libssl.so.3");
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return new Probe(null, library + " could not be loaded (" + rootMessage(e) + ")");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static String name(TlsImplementation setting) {
        return setting.name().toLowerCase(java.util.Locale.ROOT);
    }
}
