/**
 * Where the app's build commands run: {@link dev.tarmac.builder.sandbox.BuildSandbox} (another
 * user, a clean environment, namespaces where bubblewrap works) and the process helpers it uses.
 * Imports only {@code workspace} (docs/architecture.md, "Build isolation" and "Packages").
 */
package dev.tarmac.builder.sandbox;
