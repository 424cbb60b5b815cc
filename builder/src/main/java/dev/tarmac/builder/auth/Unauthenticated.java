package dev.tarmac.builder.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A resource that takes no token because every request carries its own signature, checked by the
 * resource: webhooks (HMAC of the body) and the embedded store's signed URLs.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Unauthenticated {}
