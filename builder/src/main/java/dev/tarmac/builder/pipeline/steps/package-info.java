/**
 * One class per build step (verb + noun, inputs in the constructor, a record out) and the tools
 * only a step uses: {@link dev.tarmac.builder.pipeline.steps.GitMirrors} (checkout), {@link
 * dev.tarmac.builder.pipeline.steps.Esbuild} and {@link
 * dev.tarmac.builder.pipeline.steps.MinifyTargets} (minify). Imports {@code sandbox}, {@code
 * workspace} and {@code git}, never {@code pipeline} (docs/architecture.md, "Packages").
 */
package dev.tarmac.builder.pipeline.steps;
