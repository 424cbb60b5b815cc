package dev.tarmac.builder.ops;

import dev.tarmac.distributor.store.ArtifactStore;
import dev.tarmac.distributor.store.fs.FsArtifactStore;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while the store answers ({@code /q/health/ready}): one {@code stat} of a key that need
 * not exist (a HEAD request on S3: endpoint, credentials and network in one call; a file lookup on
 * fs), bounded by {@code tarmac.health.store-timeout}; on fs also the store's objects directory
 * must be a writable directory (a missing or replaced directory answers "not found" to a stat, not
 * an error). The answer names no path, endpoint or bucket (anyone may ask); the log has the full
 * reason.
 */
@Readiness
@ApplicationScoped
public class StoreReadiness implements HealthCheck {
  static final String PROBE_KEY = "health/probe";

  @Inject ArtifactStore store;

  @Inject dev.tarmac.builder.settings.TarmacSettings settings;

  /** One probe at a time (probeOnce): one thread, nothing waiting; ended with the service. */
  private final ExecutorService probes = dev.tarmac.deploy.Threads.single("tarmac-health", 1);

  @jakarta.annotation.PreDestroy
  void stop() {
    probes.shutdownNow();
  }

  private CompletableFuture<Void> inflight = CompletableFuture.completedFuture(null);

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder answer =
        HealthCheckResponse.named("store")
            .withData("kind", store instanceof FsArtifactStore ? "fs" : "s3");
    Duration timeout = settings.health().storeTimeout();
    try {
      probeOnce().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return answer.up().build();
    } catch (TimeoutException e) {
      Log.warnf("readiness: the store did not answer within %s", timeout);
      return answer
          .down()
          .withData("error", "no answer within " + timeout.toMillis() + " ms")
          .build();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      Log.warnf("readiness: the store is not reachable: %s", cause.getMessage());
      return answer.down().withData("error", cause.getClass().getSimpleName()).build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return answer.down().withData("error", "interrupted").build();
    }
  }

  /**
   * The probe in flight, or a new one: a store that hangs holds one thread, however often the load
   * balancer asks.
   */
  private synchronized CompletableFuture<Void> probeOnce() {
    if (inflight.isDone()) {
      inflight = CompletableFuture.runAsync(this::probe, probes);
    }
    return inflight;
  }

  private void probe() {
    store.stat(PROBE_KEY);
    if (store instanceof FsArtifactStore fs) {
      Path objects = fs.path(PROBE_KEY).getParent().getParent();
      if (!Files.isDirectory(objects) || !Files.isWritable(objects)) {
        throw new IllegalStateException(
            "the store directory " + objects + " is missing or not a writable directory");
      }
    }
  }
}
