package dev.tarmac.distributor.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Says in one line why a MinIO test class is skipped where no Docker daemon answers; the skipping
 * itself is {@code @Testcontainers(disabledWithoutDocker = true)}, and Testcontainers' own
 * many-line report of the search for Docker is turned off in the tests' logging
 * (docs/development.md, "MinIO tests"). Put it before {@code @Testcontainers}.
 */
public final class DockerSkipNote implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (context.getTestMethod().isEmpty() && !DockerClientFactory.instance().isDockerAvailable()) {
      System.out.println(
          "[SKIPPED] "
              + context.getDisplayName()
              + ": no Docker daemon answers here, so the MinIO container cannot start"
              + " (runs where Docker does; docs/development.md, \"MinIO tests\")");
    }
    return ConditionEvaluationResult.enabled("decided by @Testcontainers(disabledWithoutDocker)");
  }
}
