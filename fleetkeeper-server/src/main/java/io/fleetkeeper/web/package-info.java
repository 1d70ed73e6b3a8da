/**
 * Cross-cutting HTTP concerns shared by every feature's web layer: problem+json rendering, request ids,
 * body limits, ETags, merge patch, paging limits and the OpenAPI document. It depends on no feature.
 */
@ApplicationModule(displayName = "web (shared)")
package io.fleetkeeper.web;

import org.springframework.modulith.ApplicationModule;
