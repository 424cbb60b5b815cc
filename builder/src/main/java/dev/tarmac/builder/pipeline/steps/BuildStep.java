package dev.tarmac.builder.pipeline.steps;

/**
 * One named step of the build. A step takes its inputs in its constructor and returns a record;
 * {@code BuildPipeline} (package {@code pipeline}, above this one) says their order.
 */
public interface BuildStep<R> {
  R run() throws Exception;
}
