/**
 * What every part of a build shares: its log ({@link dev.tarmac.builder.workspace.BuildLog}), its
 * one failure type ({@link dev.tarmac.builder.workspace.BuildException}), and the file tree it
 * works on ({@link dev.tarmac.builder.workspace.TreeFiles}, {@link
 * dev.tarmac.builder.workspace.Globs}). The bottom of the build's packages: imports no other
 * builder package (docs/architecture.md, "Packages").
 */
package dev.tarmac.builder.workspace;
