package dev.tarmac.builder.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A resource outside {@code /api/} that checks the caller's session itself (the dashboard's pages,
 * docs/dashboard.md). Outside {@code /api/} the filter lets only such resources, and {@link
 * Unauthenticated} ones, answer: any other resource mounted there is refused with 401, so a new one
 * is never public by accident (docs/api.md, "Authentication, roles and tokens").
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ChecksSession {}
