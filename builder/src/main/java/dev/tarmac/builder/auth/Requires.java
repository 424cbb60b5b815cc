package dev.tarmac.builder.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The role an API method needs. Without it, a GET or HEAD needs {@link Role#VIEWER} and anything
 * else {@link Role#ADMIN}, so a new endpoint is closed until someone opens it on purpose. A method
 * whose path has an {@code {env}} and needs {@link Role#DEPLOYER} is also held to the token's
 * environments.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Requires {
  Role value();
}
