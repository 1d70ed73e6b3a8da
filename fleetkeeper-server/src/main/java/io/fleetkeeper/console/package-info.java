/**
 * The web console at {@code /app}: server-rendered pages (Thymeleaf, htmx) over the same services and the same
 * caller rules as the management API. Signed in with an API token kept server-side in a session.
 */
package io.fleetkeeper.console;
