/**
 * db-scheduler as a benchmark peer: plain Java, {@code Scheduler.create(dataSource, tasks)} with
 * lock-and-fetch polling, one-time tasks.
 */
package io.github.dbosspring.benchmarks.peer.dbscheduler;
