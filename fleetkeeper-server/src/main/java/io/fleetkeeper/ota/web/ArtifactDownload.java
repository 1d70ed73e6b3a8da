package io.fleetkeeper.ota.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.ota.FirmwareArtifact;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;

/**
 * Serves an artifact's bytes with HTTP range requests (RFC 9110 §14): {@code ETag} is the quoted SHA-256,
 * one {@code Range} gets 206 with {@code Content-Range}, a range starting past the end 416, {@code If-Range}
 * with another tag (or a date) the whole artifact, several ranges or a malformed header the whole artifact
 * too. The body streams from the blob store.
 */
final class ArtifactDownload {

    /** Opens {@code length} bytes from {@code offset}. */
    interface Opener {
        InputStream open(long offset, long length);
    }

    /** What was served: the first byte, so callers can tell a new download from a resumed one. */
    record Served(long offset, long length) {
    }

    private ArtifactDownload() {
    }

    /**
     * With a redirect time ({@code fleetkeeper.ota.download-redirect-ttl}) and an object store that can presign,
     * answers {@code 302} to a pre-signed URL of the artifact (the client sends its {@code Range} there) and true;
     * false when the bytes must stream through the server.
     */
    static boolean redirect(HttpServletResponse response, java.time.Duration ttl,
            java.util.function.Supplier<java.util.Optional<java.net.URI>> presign) {
        if (ttl.isZero() || ttl.isNegative()) {
            return false;
        }
        var url = presign.get();
        if (url.isEmpty()) {
            return false;
        }
        response.setStatus(HttpServletResponse.SC_FOUND);
        response.setHeader("Location", url.get().toString());
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(0);
        return true;
    }

    static Served serve(HttpServletRequest request, HttpServletResponse response, FirmwareArtifact a, Opener opener)
            throws IOException {
        String etag = "\"" + a.sha256() + "\"";
        long size = a.size();
        response.setHeader(HttpHeaders.ETAG, etag);
        response.setHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
        response.setHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=0, must-revalidate");
        if (etag.equals(request.getHeader(HttpHeaders.IF_NONE_MATCH))) {
            response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
            return new Served(0, 0);
        }
        HttpRange range = range(request, etag);
        long offset = 0;
        long length = size;
        if (range != null) {
            if (!satisfiable(range, size)) {
                response.setHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + size);
                throw new ApiException(ErrorCode.RANGE_NOT_SATISFIABLE, "the artifact has " + size + " bytes");
            }
            offset = range.getRangeStart(size);
            length = range.getRangeEnd(size) - offset + 1;
            response.setStatus(HttpServletResponse.SC_PARTIAL_CONTENT);
            response.setHeader(HttpHeaders.CONTENT_RANGE, "bytes " + offset + "-" + (offset + length - 1) + "/" + size);
        } else {
            response.setStatus(HttpServletResponse.SC_OK);
            response.setHeader("Repr-Digest", "sha-256=:" + Base64.getEncoder()
                    .encodeToString(HexFormat.of().parseHex(a.sha256())) + ":");
        }
        response.setContentType("application/octet-stream");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + a.filename() + "\"");
        response.setContentLengthLong(length);
        if (!"HEAD".equals(request.getMethod()) && length > 0) {
            try (InputStream in = opener.open(offset, length); OutputStream out = response.getOutputStream()) {
                in.transferTo(out);
            }
        }
        return new Served(offset, length);
    }

    /** The one range to serve, or null for the whole artifact. */
    private static HttpRange range(HttpServletRequest request, String etag) {
        String header = request.getHeader(HttpHeaders.RANGE);
        if (header == null) {
            return null;
        }
        String ifRange = request.getHeader(HttpHeaders.IF_RANGE);
        if (ifRange != null && !ifRange.trim().equals(etag)) {
            return null; // the client's copy is another artifact (or it validates by date, which we do not issue)
        }
        List<HttpRange> ranges;
        try {
            ranges = HttpRange.parseRanges(header);
        } catch (IllegalArgumentException e) {
            return null; // a Range header that cannot be parsed is ignored (RFC 9110 §14.2)
        }
        return ranges.size() == 1 ? ranges.getFirst() : null;
    }

    private static boolean satisfiable(HttpRange range, long size) {
        try {
            return range.getRangeStart(size) < size;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
