package dev.tarmac.deploy.release;

import dev.tarmac.deploy.release.Fleet.Member;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One named phase of a release or a rollback. A run is a list of them ({@link Release#phases()},
 * {@link Rollback#phases()}), each in the {@link Stage} it belongs to; the {@link Runner} alone
 * runs them, in order, and alone decides what a failure means — by the stage it happened in
 * (docs/architecture.md, "The release as a list of phases"). A phase never calls another one.
 */
sealed interface Phase {
  String name();

  Stage stage();

  /**
   * Where a phase stands in a run, and so what its failure does. The runner goes through the stages
   * in this order; between them it reads the environment lock again, honours a cancellation and
   * says the stage's name as a {@code PHASE} event (prepare, barrier, activate, finish).
   */
  enum Stage {
    /**
     * Every host connected, locked and then through its {@link EachHost} phases, in parallel
     * (bounded by {@code parallel}); every {@link Once} phase alongside in its own thread (the
     * service's own work: the CDN push). Then the barrier: any failure, and what the run left on
     * the hosts is discarded; nothing is activated.
     */
    PREPARE,
    /**
     * Once, after the barrier, before the switch (migrate, restore); the record says ACTIVATING. A
     * failure stops the run: nothing is switched (a release's version is marked bad).
     */
    BEFORE_SWITCH,
    /**
     * The switch and what must hold after it (activate hooks, health, required purges), every host
     * at once. Any failure switches every host back.
     */
    ACTIVATE,
    /** The version is live everywhere: revision log, clean-up. A failure is a warning. */
    FINISH,
    /** After the record says LIVE. */
    LIVE
  }

  /** Done on every host, each at its own pace; a host's failure is that host's. */
  record EachHost(String name, Stage stage, BiConsumer<Run, Member> work) implements Phase {}

  /** Done once for the run; in {@link Stage#ACTIVATE} it throws {@link Problems} to fail. */
  record Once(String name, Stage stage, Consumer<Run> work) implements Phase {}

  static Phase eachHost(String name, Stage stage, BiConsumer<Run, Member> work) {
    return new EachHost(name, stage, work);
  }

  static Phase once(String name, Stage stage, Consumer<Run> work) {
    return new Once(name, stage, work);
  }

  /** {@code phase} when {@code on}, or nothing: an optional phase in a declared list. */
  static Phase when(boolean on, Phase phase) {
    return on ? phase : null;
  }

  /** The declared list, the phases {@link #when} left out dropped. */
  static List<Phase> list(Phase... phases) {
    return Arrays.stream(phases).filter(Objects::nonNull).toList();
  }

  /** What a phase of the activation found wrong, one line each (a host's line names it). */
  final class Problems extends dev.tarmac.deploy.DeployException {
    private final List<String> problems;

    Problems(List<String> problems) {
      super(String.join("\n", problems));
      this.problems = List.copyOf(problems);
    }

    List<String> problems() {
      return problems;
    }
  }
}
