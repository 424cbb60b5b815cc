package dev.tarmac.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tarmac.deploy.release.ReleaseEvent;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A release's events go to every open stream; a stream that fails on one (its connection closing as
 * its token is revoked) is dropped and never reaches the release. Before, such an exception went up
 * into the host's task: the likely cause of RevokedStreamsTest's one failure in a suite ("prepare
 * failed: null" as ann's token was revoked, the next event missing from bob's stream), inferred
 * from the events' order; no stack trace was kept.
 */
class ReleaseEventsTest {
  @SuppressWarnings("unchecked")
  static MultiEmitter<? super ReleaseEvent> emitter(List<ReleaseEvent> got, boolean broken) {
    return (MultiEmitter<? super ReleaseEvent>)
        Proxy.newProxyInstance(
            ReleaseEventsTest.class.getClassLoader(),
            new Class<?>[] {MultiEmitter.class},
            (proxy, method, args) -> {
              if (method.getName().equals("emit")) {
                if (broken) {
                  throw new NullPointerException();
                }
                got.add((ReleaseEvent) args[0]);
                return proxy;
              }
              switch (method.getName()) {
                case "equals":
                  return proxy == args[0];
                case "hashCode":
                  return System.identityHashCode(proxy);
                case "toString":
                  return broken ? "a closing stream" : "bob's stream";
                default:
                  break;
              }
              if (method.getReturnType() == boolean.class) {
                return false;
              }
              if (method.getName().equals("requested")) {
                return Long.MAX_VALUE;
              }
              return method.getReturnType().isInstance(proxy) ? proxy : null;
            });
  }

  @Test
  void aStreamThatFailsIsDroppedAndTheOthersGetEveryEvent() {
    ReleaseService.Run run = new ReleaseService.Run();
    List<ReleaseEvent> broken = new CopyOnWriteArrayList<>();
    List<ReleaseEvent> bob = new CopyOnWriteArrayList<>();
    run.subscribe(emitter(broken, true));
    run.subscribe(emitter(bob, false));
    ReleaseEvent first =
        new ReleaseEvent(Instant.now(), "a", "link shared", ReleaseEvent.Kind.STARTED, null);
    ReleaseEvent second =
        new ReleaseEvent(Instant.now(), "a", "link shared", ReleaseEvent.Kind.OK, null);
    run.event(first);
    run.event(second);
    assertThat(bob).containsExactly(first, second);
    assertThat(run.seen()).containsExactly(first, second);
  }
}
