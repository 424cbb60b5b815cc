package dev.tarmac.deploy.release;

import dev.tarmac.deploy.config.TarmacConfig.Purge;
import dev.tarmac.deploy.release.Fleet.Member;
import dev.tarmac.deploy.remote.PurgeCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last step of an activation (docs/architecture.md, "The release"; docs/cdn-and-caches.md):
 * each {@code release.purge} entry, after the switch, activate hooks and health — from every host
 * ({@code curl}, {@link PurgeCommands}) or once from the service. A failure is a failed task in the
 * timeline (a warning); with {@code required: true} it is a problem, and the lifecycle switches
 * back, then sends the purges of the version live again ({@link #again}).
 */
final class PurgeCaches {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PurgeCaches() {}

  /** Sends every purge; returns the failures of the required ones. */
  static List<String> run(Fleet fleet, String version, List<Purge> purges) {
    return send(fleet, version, purges, "purge", false);
  }

  /**
   * After a switch back (docs/cdn-and-caches.md): the caches may have kept pages of the version
   * that was live for a moment, so the purges of the version live again are sent for it, {@code
   * purge again} in the timeline. Every failure here is a warning: the release has failed already.
   */
  static void again(Fleet fleet, String version, List<Purge> purges) {
    send(fleet, version, purges, "purge again", true);
  }

  private static List<String> send(
      Fleet fleet, String version, List<Purge> purges, String name, boolean warnOnly) {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < purges.size(); i++) {
      Purge p = purges.get(i);
      boolean required = p.required() && !warnOnly;
      String task = purges.size() == 1 ? name : name + " " + (i + 1);
      if (p.fromHosts()) {
        // a host that failed already (to switch back) keeps that failure, and is not purged
        List<Member> all = fleet.members().stream().filter(m -> m.failure == null).toList();
        List<Member> failed =
            fleet.eachHost(
                all,
                all.size(),
                m ->
                    fleet.run(
                        m,
                        PurgeCommands.purge(
                                p.method(),
                                fill(p.url(), version, m.name()),
                                fill(p.headers(), version, m.name()))
                            .named(task),
                        Duration.ofSeconds(20)));
        if (required) {
          problems.addAll(Activation.messages(failed));
        } else {
          failed.forEach(m -> m.failure = null); // a warning: the failed task stays in the timeline
        }
      } else {
        try {
          fleet.task(fleet.service(), task, () -> send(p, version));
        } catch (Fleet.StepFailed e) {
          if (required) {
            problems.add(e.getMessage());
          }
        }
      }
    }
    return problems;
  }

  /** Once, from the service (a CDN's purge API). */
  private static String send(Purge p, String version) {
    String url = fill(p.url(), version, null);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .method(p.method(), HttpRequest.BodyPublishers.noBody());
    fill(p.headers(), version, null).forEach(request::header);
    try {
      int code = HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      if (code / 100 != 2) {
        throw new IllegalStateException(p.method() + " " + url + " answered " + code);
      }
      return String.valueOf(code);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(p.method() + " " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static String fill(String text, String version, String host) {
    String out = text.replace("{version}", version);
    return host == null ? out : out.replace("{host}", host);
  }

  private static Map<String, String> fill(
      Map<String, String> headers, String version, String host) {
    Map<String, String> out = new LinkedHashMap<>();
    headers.forEach((k, v) -> out.put(k, fill(v, version, host)));
    return out;
  }
}
