/**
 * JobRunr as a benchmark peer: plain Java, {@code JobRunr.configure()} with a
 * {@code PostgresStorageProvider} and a {@code BackgroundJobServer}, jobs as static-method lambdas.
 */
package io.github.dbosspring.benchmarks.peer.jobrunr;
