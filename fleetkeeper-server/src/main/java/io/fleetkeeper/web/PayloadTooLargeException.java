package io.fleetkeeper.web;

import java.io.IOException;

/** Raised while reading a request body that exceeds its endpoint's limit. */
public class PayloadTooLargeException extends IOException {

    public PayloadTooLargeException(long limit) {
        super("request body exceeds the limit of " + limit + " bytes");
    }
}
