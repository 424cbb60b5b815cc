package dev.tarmac.builder.build;

/**
 * One named step of the build. A step takes its inputs in its constructor and returns a record;
 * {@link BuildPipeline} says their order.
 */
public interface BuildStep<R> {
  R run() throws Exception;
}
