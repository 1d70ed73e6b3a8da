package io.fleetkeeper.tenancy;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The role a handler needs. Without it, reads (GET, HEAD) need {@code viewer} and every other method
 * {@code operator}; everything under {@code /api/v1/operator/} needs {@code platform}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
public @interface RequiresRole {
    Role value();
}
