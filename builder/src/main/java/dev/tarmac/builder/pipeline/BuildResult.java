package dev.tarmac.builder.pipeline;

import dev.tarmac.distributor.model.BuildRecord;
import java.util.List;

/**
 * What {@link Builder#build} produced: the published record, whether work was done (false when the
 * version was already in the store) and each step's time.
 */
public record BuildResult(BuildRecord record, boolean built, List<StepTiming> timings) {}
