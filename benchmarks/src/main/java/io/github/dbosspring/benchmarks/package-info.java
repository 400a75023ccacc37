/**
 * Benchmarks of the durable workflow engine against the raw cost of a PostgreSQL commit.
 * Run with {@code ./mvnw -Pbenchmarks -pl benchmarks -am -Dmaven.test.skip=true verify};
 * see {@code benchmarks/README.md}.
 */
@NullMarked
package io.github.dbosspring.benchmarks;

import org.jspecify.annotations.NullMarked;
