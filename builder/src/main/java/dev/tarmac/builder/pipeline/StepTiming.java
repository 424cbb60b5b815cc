package dev.tarmac.builder.pipeline;

/** How long one step of a build took. */
public record StepTiming(String step, long millis) {}
