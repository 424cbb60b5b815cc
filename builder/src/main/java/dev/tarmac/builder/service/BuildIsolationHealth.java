package dev.tarmac.builder.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Says in {@code /q/health} which build isolation is in force (docs/architecture.md, "Build
 * isolation"), or that builds are refused for want of bubblewrap. Always up: releases, status and
 * the store work without it.
 */
@Liveness
@ApplicationScoped
public class BuildIsolationHealth implements HealthCheck {
  @Inject BuildService builds;

  @Override
  public HealthCheckResponse call() {
    String isolation = builds.isolation();
    return HealthCheckResponse.named("build isolation")
        .withData("isolation", isolation)
        .withData("builds", isolation.startsWith("builds refused") ? "refused" : "run")
        .up()
        .build();
  }
}
