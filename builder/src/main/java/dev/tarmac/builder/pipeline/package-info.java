/**
 * The build, composed: {@link dev.tarmac.builder.pipeline.BuildPipeline} says the order of the
 * named steps ({@code pipeline.steps}), {@link dev.tarmac.builder.pipeline.Builder} runs it once
 * per version, {@link dev.tarmac.builder.pipeline.LocalBuild} runs its tree steps on a working
 * copy. The top of the build's packages: nothing below imports it (docs/architecture.md,
 * "Packages").
 */
package dev.tarmac.builder.pipeline;
