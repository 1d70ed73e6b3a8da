package io.fleetkeeper.connectivity.internal;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.cert.Certificate;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets go of the client certificate chain a native TLS session keeps once the CONNECT was decided. Netty's
 * session holds the chain the client sent (the DER of each certificate, about 1.6 KB of heap for a chain of
 * three) for as long as the connection lives, and has no API to drop it; an accepted MQTT session needs only the
 * leaf's fingerprint, which it keeps. So the session's field is emptied through a private lookup; afterwards
 * the session answers {@code getPeerCertificates()} as for a peer that sent none. Where the field is not there
 * (another Netty version, the JDK's TLS) nothing is released and the connection works as before; a test pins it.
 */
final class PeerCertificates {

    private static final Logger log = LoggerFactory.getLogger(PeerCertificates.class);
    private static final String PACKAGE = "io.netty.handler.ssl.";
    private static final Certificate[] NONE = new Certificate[0];
    /** The session class that holds the chain, and the wrapper the engine hands out around it. */
    private static final Class<?> SESSION;
    private static final Class<?> WRAPPER;
    private static final VarHandle PEER_CERTS;
    private static final VarHandle WRAPPED;

    static {
        Class<?> session = null;
        Class<?> wrapper = null;
        VarHandle peerCerts = null;
        VarHandle wrapped = null;
        try {
            ClassLoader loader = ReferenceCountedOpenSslEngine.class.getClassLoader();
            session = Class.forName(PACKAGE + "ReferenceCountedOpenSslEngine$DefaultOpenSslSession", false, loader);
            wrapper = Class.forName(PACKAGE + "ExtendedOpenSslSession", false, loader);
            Class<?> internal = Class.forName(PACKAGE + "OpenSslInternalSession", false, loader);
            peerCerts = MethodHandles.privateLookupIn(session, MethodHandles.lookup())
                    .findVarHandle(session, "peerCerts", Certificate[].class);
            wrapped = MethodHandles.privateLookupIn(wrapper, MethodHandles.lookup())
                    .findVarHandle(wrapper, "wrapped", internal);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.info("MQTT endpoint: native TLS sessions keep their client certificates for the connection's "
                    + "lifetime ({})", e.toString());
            peerCerts = null;
        }
        SESSION = session;
        WRAPPER = wrapper;
        PEER_CERTS = peerCerts;
        WRAPPED = wrapped;
    }

    private PeerCertificates() {
    }

    /**
     * Empties the peer certificate chain of {@code engine}'s session (on the connection's event loop, after the
     * handshake); true when it was released, false when this engine's session cannot be.
     */
    static boolean release(SSLEngine engine) {
        if (PEER_CERTS == null || !(engine instanceof ReferenceCountedOpenSslEngine)) {
            return false;
        }
        Object session = engine.getSession();
        if (WRAPPER.isInstance(session)) {
            session = WRAPPED.get(session);
        }
        if (!SESSION.isInstance(session)) {
            return false;
        }
        synchronized (engine) { // Netty reads and writes the field under the engine's lock
            PEER_CERTS.set(session, NONE);
        }
        return true;
    }
}
