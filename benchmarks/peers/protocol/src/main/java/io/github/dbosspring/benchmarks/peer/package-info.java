/**
 * The protocol by which the benchmark orchestrator drives one peer library in a JVM of its own
 * ({@code READY}, {@code GO}, {@code RESULT <json>}), and the workloads, written once against
 * {@link io.github.dbosspring.benchmarks.peer.PeerLibrary} so that every peer runs exactly the same
 * measurement code. No dependencies: it is shaded into each peer's jar.
 */
package io.github.dbosspring.benchmarks.peer;
