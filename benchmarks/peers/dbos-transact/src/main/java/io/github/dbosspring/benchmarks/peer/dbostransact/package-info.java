/**
 * DBOS Transact for Java as a benchmark peer: plain Java, {@code new DBOS(config)}, workflow and step
 * proxies, a {@code Queue} with a worker concurrency.
 */
package io.github.dbosspring.benchmarks.peer.dbostransact;
