package dev.tarmac.builder.build;

/** How long one step of a build took. */
public record StepTiming(String step, long millis) {}
