package dev.tarmac.builder.ops;

import dev.tarmac.deploy.release.ReleaseRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The service's own metrics, served in Prometheus format at {@code /q/metrics} (names there get
 * {@code _total}, {@code _seconds}, {@code _milliseconds} suffixes). The build queue and the
 * release runner call these; nothing else is counted here (HTTP and JVM metrics come from Quarkus).
 * See docs/operations.md for the list.
 */
@ApplicationScoped
public class Metrics {
  /** Status tag of a release that stopped with an unexpected error after it had its number. */
  public static final String ERROR = "ERROR";

  @Inject MeterRegistry registry;

  /** The number of builds waiting for a free slot of {@code tarmac.builds.concurrency}. */
  public void buildQueue(ThreadPoolExecutor executor) {
    Gauge.builder("tarmac.builds.queued", executor, e -> e.getQueue().size())
        .description("builds waiting to run")
        .register(registry);
  }

  public void buildStarted(String app) {
    Counter.builder("tarmac.builds.started")
        .description("builds that started running (published or not)")
        .tag("app", app)
        .register(registry)
        .increment();
  }

  /** A build ended: {@code succeeded} (published) or {@code failed}, after {@code took}. */
  public void buildFinished(String app, boolean succeeded, Duration took) {
    String outcome = succeeded ? "succeeded" : "failed";
    Counter.builder("tarmac.builds.finished")
        .description("builds that ended, by outcome (succeeded or failed)")
        .tag("app", app)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
    Timer.builder("tarmac.build.duration")
        .description("how long a build ran, checkout to publish")
        .tag("app", app)
        .tag("outcome", outcome)
        .register(registry)
        .record(took);
  }

  public void releaseStarted(String app, String env, String kind) {
    Counter.builder("tarmac.releases.started")
        .description("releases and rollbacks that got a number")
        .tag("app", app)
        .tag("env", env)
        .tag("kind", orUnknown(kind))
        .register(registry)
        .increment();
  }

  /**
   * A release or rollback ended with {@code record} (its final state): counted by status, its
   * duration (started → finished) and its activation window recorded.
   */
  public void releaseFinished(ReleaseRecord record) {
    String status = record.status() == null ? ERROR : record.status().name();
    Counter.builder("tarmac.releases.finished")
        .description("releases and rollbacks that ended, by final status")
        .tag("app", record.app())
        .tag("env", record.env())
        .tag("kind", orUnknown(record.kind()))
        .tag("status", status)
        .register(registry)
        .increment();
    if (record.startedAt() != null && record.finishedAt() != null) {
      Timer.builder("tarmac.release.duration")
          .description("how long a release or rollback took, start to end")
          .tag("app", record.app())
          .tag("env", record.env())
          .tag("kind", orUnknown(record.kind()))
          .tag("status", status)
          .register(registry)
          .record(Duration.between(record.startedAt(), record.finishedAt()));
    }
    if (record.activationWindowMs() != null) {
      DistributionSummary.builder("tarmac.release.activation.window")
          .description("first switch started to last switch finished, across the hosts")
          .baseUnit("milliseconds")
          .tag("app", record.app())
          .tag("env", record.env())
          .tag("kind", orUnknown(record.kind()))
          .register(registry)
          .record(record.activationWindowMs());
    }
  }

  /** A release that had its number and then stopped with an error that left no final record. */
  public void releaseStopped(String app, String env, String kind) {
    Counter.builder("tarmac.releases.finished")
        .description("releases and rollbacks that ended, by final status")
        .tag("app", app)
        .tag("env", env)
        .tag("kind", orUnknown(kind))
        .tag("status", ERROR)
        .register(registry)
        .increment();
  }

  private static String orUnknown(String tag) {
    return tag == null ? "unknown" : tag;
  }
}
