package dev.tarmac.builder.probe;

import dev.tarmac.builder.service.BuildPublished;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * An observer of {@link BuildPublished} that fails (the service's own one, {@code
 * DeltasAheadQueue}, catches its executor's refusal itself; any other observer may still throw): a
 * build of the app {@link #APP} must stay SUCCEEDED all the same. Quarkus serves it in the tests'
 * application only; other apps pass.
 */
@ApplicationScoped
public class FailingPublishedObserver {
  public static final String APP = "observer-fails";

  void published(@Observes BuildPublished event) {
    if (APP.equals(event.build().app())) {
      throw new java.util.concurrent.RejectedExecutionException(
          "Task rejected from java.util.concurrent.ThreadPoolExecutor[Terminated]");
    }
  }
}
